#!/usr/bin/env bash
# `make test`: scripts/test.sh (every test, or the part or path given) on each PostgreSQL major of
# scripts/postgres.sh versions (PG_VERSIONS=18 for one), each built first when missing, one after
# another. With PG_CONFIG set, on that server alone.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${PG_CONFIG:-}" ]; then
  exec "$ROOT/scripts/test.sh" "$@"
fi
for major in $("$ROOT/scripts/postgres.sh" versions); do
  printf '\n==== PostgreSQL %s\n' "$major"
  PG_CONFIG=$("$ROOT/scripts/postgres.sh" pg-config "$major") "$ROOT/scripts/test.sh" "$@"
done
printf '\n==== passed on PostgreSQL %s\n' "$("$ROOT/scripts/postgres.sh" versions)"
