#!/usr/bin/env bash
# One node against Citus (docs/citus.md), run as root: the same work, R runs of a root fan-out of
# M items each, drained for T seconds by W pgbench clients that answer their last batch and claim
# the next in one call (complete_tasks_and_poll, B tasks a batch, bench/citus.pgb): on one node
# (a private cluster, port 5496) and on a coordinator and two workers (scripts/citus.sh), half
# of the clients on each worker. Prints one markdown row per system: tasks completed a second.
#   R=32 M=10000 W=4 B=100 T=10 bench/citus.sh
# On a machine with more cores, raise W (and R x M, so that the queue does not run dry in T).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/pg-config.sh
R=${R:-32} M=${M:-10000} W=${W:-4} B=${B:-100} T=${T:-10}
PGBENCH=$PGBIN/pgbench
SINGLE="PGFLOW_CLUSTER=$ROOT/target/bench-single PGFLOW_PORT=5496"

setup_sql="select pgflow.create_flow('bench', max_attempts => 3, base_delay => 1, timeout => 60);
           select pgflow.add_step('bench', 'work', step_type => 'fanout');
           select count(pgflow.start_flow('bench', (select jsonb_agg(i) from generate_series(1, $M) i))) from generate_series(1, $R);"
completed="select count(*) from pgflow.step_tasks where status = 'completed'"

# drain "ENV..." ...: pgbench clients, W/N of them against each node given (its environment), T s.
drain() {
  local per=$((W / $#)) pids=() env
  for env in "$@"; do
    (eval "$env"; "$PGBENCH" -n -M prepared -f bench/citus.pgb -D b="$B" -D r='{}' -D s='{}' -D i='{}' \
       -c "$per" -j "$per" -T "$T" -d bench >/dev/null 2>&1) &
    pids+=($!)
  done
  wait "${pids[@]}"
}

echo "| system | runs x items | clients | batch | tasks/s |"
echo "| --- | --- | --- | --- | --- |"

# One node.
env $SINGLE scripts/cluster.sh start
trap 'env $SINGLE scripts/cluster.sh stop >/dev/null 2>&1 || true' EXIT
single_env=$(env $SINGLE scripts/cluster.sh env)
(eval "$single_env"; createdb bench; psql -X -q -d bench -c "create extension pgflow" -c "$setup_sql" >/dev/null)
drain "$single_env"
done_single=$(eval "$single_env"; psql -X -q -t -A -d bench -c "$completed")
dry() { [ "$1" -lt $((R * M)) ] || echo " (the queue ran dry: raise R x M)"; }
echo "| one node | $R x $M | $W | $B | $((done_single / T))$(dry "$done_single") |"
env $SINGLE scripts/cluster.sh stop >/dev/null

# Citus: a coordinator and two workers; the runs started on the coordinator spread over the workers.
scripts/citus.sh start
trap 'scripts/citus.sh stop >/dev/null 2>&1 || true' EXIT
. tests/citus/common/cluster.sh
fresh_citus_database bench
q "select pgflow.distribute()" >/dev/null
q "$setup_sql" >/dev/null
drain "$(scripts/citus.sh env worker1)" "$(scripts/citus.sh env worker2)"
done_citus=$(q "$completed")
echo "| Citus, coordinator and two workers | $R x $M | $W ($((W / 2)) on each worker) | $B | $((done_citus / T))$(dry "$done_citus") |"
