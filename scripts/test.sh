#!/usr/bin/env bash
# Every test: Rust #[pg_test]s, then the release build installed into the system PostgreSQL and
# tested with pgTAP and the shell tests against a private cluster. Run as root from anywhere.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
step() { printf '\n== [%4ss] %s\n' "$SECONDS" "$*"; }

step "rust #[pg_test] tests"
install -d -o postgres -g postgres "$ROOT/target/pgrx-test-data"
unset RUST_BACKTRACE
cargo pgrx test pg15 --runas postgres --pgdata "$ROOT/target/pgrx-test-data"

step "release build installed into the system PostgreSQL (replaces the test build)"
cargo pgrx install --release --pg-config "$PG_CONFIG"

step "private cluster"
scripts/cluster.sh start
trap 'scripts/cluster.sh stop' EXIT
eval "$(scripts/cluster.sh env)"
createdb pgflow_test
psql -X -q -v ON_ERROR_STOP=1 -d pgflow_test \
  -c 'create extension pgtap' -c 'create extension pgflow' -f tests/fixtures.sql

step "pgTAP"
pg_prove -d pgflow_test --recurse --ext .sql ${PG_PROVE_FLAGS:-} tests/pgtap

step "shell tests"
for t in tests/shell/*.sh; do
  echo "-- $t"
  bash "$t"
done
step "all tests passed"
