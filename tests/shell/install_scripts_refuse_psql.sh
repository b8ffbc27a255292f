#!/usr/bin/env bash
# The install and upgrade scripts load only through CREATE / ALTER EXTENSION: each begins with the
# usual \echo ... \quit guard, so that one run by hand with psql -f stops at once and creates
# nothing (pgflow objects made outside the extension could not be upgraded or dropped with it).
set -euo pipefail
cd "$(dirname "$0")/../.."
eval "$(scripts/cluster.sh env)"
. scripts/pg-config.sh
fail() { echo "FAIL: $*" >&2; exit 1; }
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml)

for script in sql/pgflow--*--*.sql; do
  to=${script##*--}; to=${to%.sql}
  [ "$(head -1 "$script")" = "\\echo Use \"ALTER EXTENSION pgflow UPDATE TO '$to'\" to load this file. \\quit" ] \
    || fail "$script does not begin with the guard"
done
installed="$("$PG_CONFIG" --sharedir)/extension/pgflow--$version.sql"
grep -qx '\\echo Use "CREATE EXTENSION pgflow" to load this file. \\quit' "$installed" \
  || fail "the install script $installed has no guard"

dropdb --if-exists pgflow_by_hand 2>/dev/null
createdb pgflow_by_hand
# With the schema there, every statement of the script after the guard would succeed.
psql -X -q -d pgflow_by_hand -c "create schema pgflow"
out=$(psql -X -q -v ON_ERROR_STOP=1 -d pgflow_by_hand -f "$installed" 2>&1 || true)
grep -q 'Use "CREATE EXTENSION pgflow" to load this file.' <<<"$out" || fail "psql -f printed: $out"
objects=$(psql -X -q -t -A -d pgflow_by_hand -c "select (select count(*) from pg_class where relnamespace = 'pgflow'::regnamespace)
                                                      + (select count(*) from pg_type where typnamespace = 'pgflow'::regnamespace)")
[ "$objects" = 0 ] || fail "psql -f of the install script created $objects objects"
dropdb pgflow_by_hand
echo "ok - the install script and the $(ls sql/pgflow--*--*.sql | wc -l) upgrade scripts refuse psql -f and create nothing"
