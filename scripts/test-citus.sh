#!/usr/bin/env bash
# The Citus tests (make test-citus), run as root: Citus built from vendor/citus when the PostgreSQL
# of scripts/pg-config.sh lacks it, pgflow's release build installed, a coordinator and two
# workers started (scripts/citus.sh), then every test under tests/citus/ (or the one given), each
# on the coordinator's database of its own.
#   Without PG_CONFIG: on each major of scripts/postgres.sh versions that Citus supports
#   (scripts/citus.sh supports), one after another.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if [ -z "${PG_CONFIG:-}" ]; then
  tested=()
  for major in $(scripts/postgres.sh versions); do
    scripts/citus.sh supports "$major" || continue
    printf '\n==== Citus on PostgreSQL %s\n' "$major"
    PG_CONFIG=$(scripts/postgres.sh pg-config "$major") "$0" "$@"
    tested+=("$major")
  done
  ((${#tested[@]})) || { echo "scripts/test-citus.sh: Citus supports none of PostgreSQL $(scripts/postgres.sh versions)" >&2; exit 1; }
  printf '\n==== Citus passed on PostgreSQL %s\n' "${tested[*]}"
  exit 0
fi
. scripts/pg-config.sh
step() { printf '\n== [%4ss] %s\n' "$SECONDS" "$*"; }
step "Citus $(sed -n 's/^CITUS_VERSION=//p' scripts/citus.sh), built if missing"
scripts/citus.sh build
step "release build installed into PostgreSQL $PG_MAJOR"
cargo pgrx install --release --pg-config "$PG_CONFIG" >/dev/null
step "the dsl-ts worker and the Rust worker, built (tests/citus/workers_spread_over_the_nodes.sh)"
scripts/npm-ci-if-needed.sh dsl-ts
(cd dsl-ts && npm run --silent build)
cargo build --release --locked --manifest-path client/Cargo.toml --example noop_worker
step "a coordinator and two workers"
scripts/citus.sh start
trap 'scripts/citus.sh stop' EXIT
for t in ${1:-tests/citus/*.sh}; do
  step "$t"
  bash "$t"
done
step "passed: ${1:-tests/citus}"
