#!/usr/bin/env bash
# pg_dump / pg_restore keeps flows, runs and tasks: a database holding a finished and an
# unfinished run is dumped and restored into a new database, where the unfinished run finishes.
set -euo pipefail
cd "$(dirname "$0")/../.."
eval "$(scripts/cluster.sh env)"
SRC=pgflow_dump_src DST=pgflow_dump_dst
dropdb --if-exists "$SRC" 2>/dev/null; dropdb --if-exists "$DST" 2>/dev/null
createdb "$SRC"
q() { psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

q "$SRC" "create extension pgflow"
q "$SRC" "select pgflow.create_flow('fan');
          select pgflow.add_step('fan', 'list');
          select pgflow.add_step('fan', 'fetch', array['list'], step_type => 'fanout');
          select pgflow.add_step('fan', 'save', array['fetch'])" >/dev/null
# Drives every claimable task of the flow to completion: list returns [1, 2, 3], fan-out tasks
# return their item times ten, save returns the array it got.
drive() {
  q "$1" "do \$\$
    declare t pgflow.step_task_record;
    begin
      loop
        select * into t from pgflow.poll_for_tasks('fan', 30, 1, 0);
        exit when t.run_id is null;
        perform pgflow.complete_task(t.run_id, t.step_slug, t.task_index, case t.step_slug
          when 'list' then '[1, 2, 3]'::jsonb
          when 'fetch' then to_jsonb((t.input ->> 'item')::int * 10)
          else t.input -> 'fetch' end);
      end loop;
    end \$\$"
}
finished=$(q "$SRC" "select run_id from pgflow.start_flow('fan', '{}')")
drive "$SRC"
unfinished=$(q "$SRC" "select run_id from pgflow.start_flow('fan', '{}')")
# Leave the second run half done: list completed, one fan-out task completed, two still queued.
q "$SRC" "select pgflow.complete_task(run_id, step_slug, task_index, '[4, 5, 6]') from pgflow.poll_for_tasks('fan', 30, 1, 0)" >/dev/null
q "$SRC" "select pgflow.complete_task(run_id, step_slug, task_index, '40') from pgflow.poll_for_tasks('fan', 30, 1, 0)" >/dev/null
q "$SRC" "update pgflow.step_tasks set status = 'queued', visible_at = now() where status = 'started'"

"$PGBIN/pg_dump" -Fc -d "$SRC" -f "$PGFLOW_CLUSTER/dump.pgc"
createdb "$DST"
"$PGBIN/pg_restore" --exit-on-error -d "$DST" "$PGFLOW_CLUSTER/dump.pgc"

[ "$(q "$DST" "select status || ' ' || output::text from pgflow.runs where run_id = '$finished'")" = 'completed {"save": [10, 20, 30]}' ] \
  || fail "the finished run did not survive the dump"
[ "$(q "$DST" "select count(*) from pgflow.step_tasks where run_id = '$unfinished' and status = 'queued'")" = 2 ] \
  || fail "the unfinished run's queued tasks did not survive the dump"
# Tasks created after the restore must not reuse the message ids of restored ones.
drive "$DST"
[ "$(q "$DST" "select status || ' ' || output::text from pgflow.runs where run_id = '$unfinished'")" = 'completed {"save": [40, 50, 60]}' ] \
  || fail "the unfinished run did not finish after the restore"
[ "$(q "$DST" "select count(distinct message_id) = count(*) from pgflow.step_tasks")" = t ] \
  || fail "message ids repeat after the restore"
dropdb "$SRC"; dropdb "$DST"
echo "ok - dump and restore keep a finished and an unfinished run, which then finishes"
