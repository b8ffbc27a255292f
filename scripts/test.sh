#!/usr/bin/env bash
# Every test: the dsl-ts unit and type tests, Rust #[pg_test]s, then the release build installed
# into the system PostgreSQL and tested with pgTAP, the shell tests and the dsl-ts end-to-end tests
# against a private cluster. Run as root from anywhere.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
step() { printf '\n== [%4ss] %s\n' "$SECONDS" "$*"; }

step "dsl-ts: unit and type tests"
scripts/npm-ci-if-needed.sh dsl-ts
(cd dsl-ts && npm test)

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

step "races (isolation tester)"
tests/isolation/run.sh

step "upgrades: runs in flight under releases 0.1.1 and 0.2.0 finished under this one; catalogs from 0.1.0, 0.1.1 and 0.2.0; pgTAP on the upgraded database"
tests/upgrade/run.sh

step "shell tests"
for t in tests/shell/*.sh; do
  echo "-- $t"
  bash "$t"
done
step "dsl-ts: end to end (compiled flows, two workers, retries)"
createdb dsl_e2e
psql -X -q -v ON_ERROR_STOP=1 -d dsl_e2e -c 'create extension pgflow'
# The host and port come from the PG* variables set above (a Unix socket of the private cluster).
(cd dsl-ts && PGFLOW_TEST_DATABASE_URL=postgres:///dsl_e2e npm run test:e2e)

step "all tests passed"
