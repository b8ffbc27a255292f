#!/usr/bin/env bash
# The benchmark (never part of make test): release build, a private cluster under target/
# (port 5497), the Node driver under bench/, results in BENCHMARKS.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export PGFLOW_CLUSTER=$ROOT/target/bench-cluster PGFLOW_PORT=${PGFLOW_PORT:-5497}
cargo pgrx install --release --pg-config /usr/lib/postgresql/15/bin/pg_config
scripts/npm-ci-if-needed.sh bench
PGFLOW_SERVER_OPTS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all" \
  scripts/cluster.sh start
trap 'scripts/cluster.sh stop' EXIT
eval "$(scripts/cluster.sh env)"
createdb bench
PGDATABASE=bench node bench/run.mjs --out "$ROOT/BENCHMARKS.md" "$@"
