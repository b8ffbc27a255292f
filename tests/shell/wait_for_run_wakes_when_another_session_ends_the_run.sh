#!/usr/bin/env bash
# wait_for_run sleeps until the run ends and wakes when another session's commit ends it: a
# session waits with a 120 s timeout; while it waits it runs no query (pg_stat_activity shows it
# in its latch wait, and its statement count does not move); another session completes the run
# two seconds later; the waiter returns the completed run long before its timeout (its own
# safety re-read comes only every 10 s, so returning within 8 s of the commit means it was woken).
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/shell/common/database.sh
fresh_database pgflow_wait

q "select pgflow.create_flow('w'); select pgflow.add_step('w', 'only')" >/dev/null
run=$(q "select run_id from pgflow.start_flow('w', '{}')")
out=$(mktemp)
psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$DB" \
  -c "select status || ' ' || extract(epoch from clock_timestamp())::text from pgflow.wait_for_run('$run', 120000)" >"$out" &
waiter=$!
for _ in $(seq 50); do
  state=$(q "select wait_event_type || '/' || wait_event from pg_stat_activity where query like '%wait_for_run(%' and pid <> pg_backend_pid()")
  [ "$state" = Extension/Extension ] && break
  sleep 0.1
done
[ "$state" = Extension/Extension ] || fail "the waiter is not sleeping on its latch (pg_stat_activity says '$state')"
echo "ok - the waiter sleeps on its latch"

sleep 2
ended=$(q "select extract(epoch from clock_timestamp())::text from (select pgflow.complete_task(run_id, step_slug, task_index, '1') from pgflow.poll_for_tasks('w', 30, 1, 0)) c")
wait "$waiter" || fail "the waiter failed: $(cat "$out")"
read -r status woke <"$out"
[ "$status" = completed ] || fail "the waiter returned a $status run"
awk -v a="$ended" -v b="$woke" 'BEGIN { exit !(b - a < 8) }' \
  || fail "the waiter returned $(awk -v a="$ended" -v b="$woke" 'BEGIN { print b - a }') s after the commit: it was not woken"
echo "ok - it woke $(awk -v a="$ended" -v b="$woke" 'BEGIN { printf "%.3f", b - a }') s after the commit that completed the run, with the run completed"
rm -f "$out"
dropdb "$DB"
