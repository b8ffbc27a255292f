#!/usr/bin/env bash
# Upgrade test, run by scripts/test.sh against its private cluster (PG* variables set):
#  1. installs the released 0.1.0 script beside the current one and creates the extension at
#     0.1.0 with a flow defined, then ALTER EXTENSION UPDATE;
#  2. checks that the upgraded catalog matches a fresh install's line for line;
#  3. runs a run of the flow defined before the upgrade;
#  4. runs the whole pgTAP suite against the upgraded database.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SHAREDIR=$("${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}" --sharedir)
OUT=$ROOT/target/upgrade
mkdir -p "$OUT"
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

install -m 644 tests/upgrade/pgflow--0.1.0.sql "$SHAREDIR/extension/pgflow--0.1.0.sql"
test -f "$SHAREDIR/extension/pgflow--0.1.0--0.1.1.sql" || { echo "the upgrade script is not installed" >&2; exit 1; }

createdb pgflow_upgraded
q -d pgflow_upgraded -c "create extension pgflow version '0.1.0'" \
  -c "select pgflow.create_flow('kept', max_attempts => 2)" \
  -c "select pgflow.add_step('kept', 'list')" \
  -c "select pgflow.add_step('kept', 'each', array['list'], step_type => 'fanout')"  >/dev/null
q -d pgflow_upgraded -c "alter extension pgflow update"
version=$(q -d pgflow_upgraded -t -A -c "select extversion from pg_extension where extname = 'pgflow'")
default=$(q -d pgflow_upgraded -t -A -c "select default_version from pg_available_extensions where name = 'pgflow'")
[ "$version" = "$default" ] || { echo "upgraded to $version, expected $default" >&2; exit 1; }

createdb pgflow_fresh
q -d pgflow_fresh -c 'create extension pgflow'
q -d pgflow_fresh -f tests/upgrade/catalog.sql > "$OUT/fresh.txt"
q -d pgflow_upgraded -f tests/upgrade/catalog.sql > "$OUT/upgraded.txt"
if ! diff -u "$OUT/fresh.txt" "$OUT/upgraded.txt"; then
  echo "the upgraded catalog differs from a fresh install's (- fresh, + upgraded)" >&2
  exit 1
fi
echo "ok - 0.1.0 upgraded to $version; catalog matches a fresh install ($(wc -l < "$OUT/fresh.txt") lines)"

# The flow defined under 0.1.0 runs under the new version.
result=$(q -d pgflow_upgraded -t -A <<'SQL'
select run_id as run from pgflow.start_flow('kept', '{}') \gset
select count(*) from pgflow.poll_for_tasks('kept', 30, 10, 0);
select count(*) from pgflow.complete_task(:'run', 'list', 0, '[1, 2, 3]');
select count(*) from (select pgflow.complete_task(t.run_id, t.step_slug, t.task_index, to_jsonb(t.input -> 'item'))
                      from pgflow.poll_for_tasks('kept', 30, 10, 0) t) c;
select status || ' ' || output::text from pgflow.runs where run_id = :'run';
SQL
)
[ "$(echo "$result" | tail -1)" = 'completed {"each": [1, 2, 3]}' ] || { echo "run after upgrade: $result" >&2; exit 1; }
echo "ok - a flow defined under 0.1.0 runs to completion after the upgrade"

# The suite expects an empty database, as a fresh one is.
q -d pgflow_upgraded -c "truncate pgflow.step_tasks, pgflow.step_states, pgflow.runs, pgflow.deps, pgflow.steps, pgflow.flows"
q -d pgflow_upgraded -c 'create extension pgtap' -f tests/fixtures.sql
pg_prove -d pgflow_upgraded --recurse --ext .sql ${PG_PROVE_FLAGS:-} tests/pgtap
