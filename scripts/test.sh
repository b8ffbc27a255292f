#!/usr/bin/env bash
# The tests, run as root from anywhere. With no argument, every one: lint, the dsl-ts unit and type
# tests, Rust #[pg_test]s, then the release build installed into the PostgreSQL of
# scripts/pg-config.sh and tested against a private cluster with pgTAP, the isolation specs, the
# upgrade test, the shell tests, the dsl-ts end-to-end tests and the Rust client's tests, and
# last the Debian packages of this major installed where nothing was built.
# With one argument, one part: lint, pgtap, isolation, upgrade, shell, dsl (unit, type and end to
# end), rust, client (the Rust client and worker), package (make package's packages installed on a
# fresh Debian); or one path: a pgTAP file or folder, an
# isolation spec, a shell test, or a dsl-ts test file (make test T=tests/pgtap/fail_task).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. scripts/pg-config.sh
step() { printf '\n== [%4ss] %s\n' "$SECONDS" "$*"; }

lint() {
  step "lint: cargo fmt, cargo clippy, tsc, the transition table"
  node scripts/check-transition-table.mjs
  node scripts/upgrade-functions.mjs --check-tail sql/pgflow--*--"$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml)".sql
  cargo fmt --check
  cargo clippy --release --all-targets -- -D warnings
  # The code of the other majors' features (src/pg_compat.rs), checked as theirs: each needs its
  # server's headers (scripts/postgres.sh builds them; make deps does).
  for major in $(scripts/postgres.sh versions); do
    [ "$major" = 15 ] || cargo clippy --release --lib --no-default-features --features "pg$major pg_test" -- -D warnings
  done
  cargo fmt --check --manifest-path client/Cargo.toml
  cargo clippy --release --all-targets --manifest-path client/Cargo.toml -- -D warnings
  scripts/npm-ci-if-needed.sh dsl-ts
  # test/deno imports the built package, as a user's Deno code would.
  (cd dsl-ts && npm run --silent build && npm run --silent typecheck)
}

dsl_unit() {
  step "dsl-ts: unit and type tests ${1:-}"
  scripts/npm-ci-if-needed.sh dsl-ts
  (cd dsl-ts && npm run --silent build && npx vitest run --typecheck ${1:+"${1#dsl-ts/}"})
}

rust_tests() {
  step "rust #[pg_test] tests"
  install -d -o postgres -g postgres "$ROOT/target/pgrx-test-data-$PG_MAJOR"
  unset RUST_BACKTRACE
  cargo pgrx test "pg$PG_MAJOR" --runas postgres --pgdata "$ROOT/target/pgrx-test-data-$PG_MAJOR"
}

cluster_ready=false
cluster() {
  $cluster_ready && return
  step "release build installed into PostgreSQL $PG_MAJOR (replaces a test build)"
  cargo pgrx install --release --pg-config "$PG_CONFIG"
  step "private cluster"
  scripts/cluster.sh start
  trap 'scripts/cluster.sh stop' EXIT
  eval "$(scripts/cluster.sh env)"
  createdb pgflow_test
  psql -X -q -v ON_ERROR_STOP=1 -d pgflow_test \
    -c 'create extension pgtap' -c 'create extension pgflow' -f tests/fixtures.sql
  cluster_ready=true
}

pgtap() {
  cluster
  step "pgTAP ${1:-}"
  pg_prove -d pgflow_test --recurse --ext .sql ${PG_PROVE_FLAGS:-} "${1:-tests/pgtap}"
}

isolation() {
  cluster
  step "races (isolation tester) ${1:-}"
  tests/isolation/run.sh ${1:+"$(basename "$1" .spec)"}
}

upgrade() {
  cluster
  step "upgrades: runs in flight under earlier releases finished under this one; catalogs; pgTAP on the upgraded database"
  tests/upgrade/run.sh
}

shell_tests() {
  cluster
  step "shell tests"
  for t in ${1:-tests/shell/*.sh}; do
    echo "-- $t"
    bash "$t"
  done
}

dsl_e2e() {
  cluster
  step "dsl-ts: end to end ${1:-}"
  createdb dsl_e2e
  psql -X -q -v ON_ERROR_STOP=1 -d dsl_e2e -c 'create extension pgflow'
  # The host and port come from the PG* variables of the cluster (a Unix socket).
  (cd dsl-ts && npm run --silent build &&
     PGFLOW_TEST_DATABASE_URL=postgres:///dsl_e2e npx vitest run --config vitest.e2e.config.ts ${1:+"${1#dsl-ts/}"})
}

rust_client() {
  cluster
  step "rust client and worker (client/), against the private cluster"
  createdb rust_client
  psql -X -q -v ON_ERROR_STOP=1 -d rust_client -c 'create extension pgflow'
  # The restart test stops the cluster at once, as a crash would, and starts it again.
  PGFLOW_TEST_DATABASE_URL="host=$PGHOST port=$PGPORT user=postgres dbname=rust_client" \
    PGFLOW_TEST_RESTART="env PGFLOW_PORT=$PGPORT $ROOT/scripts/cluster.sh crash-restart" \
    cargo test --release --locked --manifest-path client/Cargo.toml
  step "the dashboard in headless Chromium"
  cargo build --release --locked --manifest-path client/Cargo.toml --bins --example noop_worker
  scripts/npm-ci-if-needed.sh client/tests/browser
  PGFLOW_BIN=$ROOT/client/target/release/pgflow PGFLOW_NOOP_WORKER=$ROOT/client/target/release/examples/noop_worker \
    PGFLOW_TEST_DATABASE_URL="host=$PGHOST port=$PGPORT user=postgres dbname=rust_client" \
    PGFLOW_SCREENSHOTS=$ROOT/target/dashboard PGDATABASE=rust_client node client/tests/browser/dashboard.mjs
}

package_test() {
  step "packages (make package) installed on a fresh Debian where nothing was built"
  scripts/package.sh "$PG_MAJOR"
  bash tests/package/installs_on_a_fresh_debian.sh
}

case "${1:-all}" in
  all) dsl_unit; rust_tests; pgtap; isolation; upgrade; shell_tests; dsl_e2e; rust_client; package_test ;;
  package|tests/package|tests/package/*) package_test ;;
  client) rust_client ;;
  lint) lint ;;
  rust) rust_tests ;;
  pgtap) pgtap ;;
  isolation) isolation ;;
  upgrade|tests/upgrade|tests/upgrade/) upgrade ;;
  shell) shell_tests ;;
  dsl) dsl_unit; dsl_e2e ;;
  tests/pgtap*) [ -e "$1" ] || { echo "no such test: $1" >&2; exit 2; }; pgtap "$1" ;;
  tests/isolation/specs/*.spec) [ -e "$1" ] || { echo "no such spec: $1" >&2; exit 2; }; isolation "$1" ;;
  tests/shell/*.sh) [ -e "$1" ] || { echo "no such test: $1" >&2; exit 2; }; shell_tests "$1" ;;
  dsl-ts/test/e2e/*) [ -e "$1" ] || { echo "no such test: $1" >&2; exit 2; }; dsl_e2e "$1" ;;
  dsl-ts/test/*) [ -e "$1" ] || { echo "no such test: $1" >&2; exit 2; }; dsl_unit "$1" ;;
  *) echo "unknown test part or path: $1 (see the top of scripts/test.sh)" >&2; exit 2 ;;
esac
step "passed: ${1:-all}"
