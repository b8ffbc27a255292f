#!/usr/bin/env bash
# One node against Citus (docs/citus.md), run as root: the work of bench/citus-lib.sh on one node
# (a private cluster, port 5496) and on a coordinator and two workers (scripts/citus.sh), half of
# the clients on each worker. Prints one markdown row per system: tasks completed a second.
#   R=32 M=10000 W=4 B=100 T=10 bench/citus.sh
# On a machine with more cores (the device tool), bench/citus-device.sh runs the same.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/pg-config.sh
PGBENCH=$PGBIN/pgbench PSQL=$PGBIN/psql
. bench/citus-lib.sh
SINGLE="PGFLOW_CLUSTER=$ROOT/target/bench-single PGFLOW_PORT=5496"

bench_header

# One node.
env $SINGLE scripts/cluster.sh start
trap 'env $SINGLE scripts/cluster.sh stop >/dev/null 2>&1 || true' EXIT
single_env=$(env $SINGLE scripts/cluster.sh env)
(eval "$single_env"; createdb bench)
bench_one_node "$single_env"
env $SINGLE scripts/cluster.sh stop >/dev/null

# Citus: a coordinator and two workers; the runs started on the coordinator spread over the workers.
scripts/citus.sh start
trap 'scripts/citus.sh stop >/dev/null 2>&1 || true' EXIT
. tests/citus/common/cluster.sh
fresh_citus_database bench
q "select pgflow.distribute()" >/dev/null
bench_citus "$(scripts/citus.sh env)" "$(scripts/citus.sh env worker1)" "$(scripts/citus.sh env worker2)"
