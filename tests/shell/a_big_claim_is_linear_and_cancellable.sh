#!/usr/bin/env bash
# A claim of 200,000 tasks in one call returns them all, and a call that runs long is stopped by
# statement_timeout and by pg_cancel_backend within a second, whatever it is doing. (0.3.0 and
# before read each claimed row through a lookup whose cost grew with the number of rows: 50,000
# took 3.5 s and 1,000,000 ran for more than ten minutes, deaf to cancel and terminate.)
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/shell/common/database.sh
fresh_database pgflow_big_claim
ms() { date +%s%3N; }

q "select pgflow.create_flow('big'); select pgflow.add_step('big', 'items', step_type => 'fanout')" >/dev/null
start() { q "select count(*) from pgflow.start_flow('big', (select jsonb_agg(i) from generate_series(1, 200000) i))" >/dev/null; }

start
t0=$(ms)
claimed=$(q "select count(*) from pgflow.poll_for_tasks('big', 300, 200000, 0)")
took=$(( $(ms) - t0 ))
[ "$claimed" = 200000 ] || fail "a claim of 200,000 returned $claimed tasks"
echo "ok - one call claimed 200,000 tasks in $took ms"

# The same claim with a 300 ms statement_timeout: stopped with 57014 within a second.
q "truncate pgflow.step_tasks, pgflow.step_states, pgflow.runs cascade"
start
t0=$(ms)
out=$(psql -X -q -t -A -d "$DB" -c "set statement_timeout = 300" \
        -c "select count(*) from pgflow.poll_for_tasks('big', 300, 200000, 0)" 2>&1 || true)
took=$(( $(ms) - t0 ))
echo "$out" | grep -q "canceling statement due to statement timeout" || fail "statement_timeout did not stop the claim: $out"
[ "$took" -lt 1300 ] || fail "statement_timeout (300 ms) stopped the claim only after $took ms"
echo "ok - statement_timeout (300 ms) stopped it after $took ms"
[ "$(q "select count(*) from pgflow.step_tasks where status = 'started'")" = 0 ] \
  || fail "the stopped claim left tasks claimed"
echo "ok - and it claimed nothing"

# pg_cancel_backend from another session, 300 ms into the call.
psql -X -q -t -A -d "$DB" -c "select count(*) from pgflow.poll_for_tasks('big', 300, 200000, 0)" >/tmp/pgflow_big_claim.out 2>&1 &
claimer=$!
sleep 0.3
t0=$(ms)
q "select pg_cancel_backend(pid) from pg_stat_activity where query like '%poll_for_tasks(''big''%' and pid <> pg_backend_pid()" >/dev/null
wait "$claimer" || true
took=$(( $(ms) - t0 ))
grep -q "canceling statement due to user request" /tmp/pgflow_big_claim.out || fail "pg_cancel_backend did not stop the claim: $(cat /tmp/pgflow_big_claim.out)"
[ "$took" -lt 1000 ] || fail "pg_cancel_backend stopped the claim only after $took ms"
echo "ok - pg_cancel_backend stopped it $took ms after the request"
rm -f /tmp/pgflow_big_claim.out
dropdb "$DB"
