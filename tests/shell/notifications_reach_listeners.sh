#!/usr/bin/env bash
# Every end of a step or a run is sent as NOTIFY pgflow, '{"run_id", "flow_slug", "step_slug",
# "status"}' at the commit that makes it: a session that LISTENs to pgflow receives one per step
# (the run's own with step_slug null) of a run that completes, and of one that is cancelled.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/shell/common/database.sh
fresh_database pgflow_notify

q "select pgflow.create_flow('n');
   select pgflow.add_step('n', 'list');
   select pgflow.add_step('n', 'each', array['list'], step_type => 'fanout')" >/dev/null
done_run=00000000-0000-0000-0000-00000000d0e0
cancelled_run=00000000-0000-0000-0000-00000000c0c0
# One psql session listens and drives both runs; psql prints each notification it receives.
received=$(psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$DB" 2>&1 <<SQL
listen pgflow;
select count(*) from pgflow.start_flow('n', '{}', run_id => '$done_run');
select count(*) from pgflow.poll_for_tasks('n', 30, 1, 0) t, pgflow.complete_task(t.run_id, t.step_slug, t.task_index, '[1, 2]');
select count(*) from pgflow.poll_for_tasks('n', 30, 2, 0) t, pgflow.complete_task(t.run_id, t.step_slug, t.task_index, '0');
select count(*) from pgflow.start_flow('n', '{}', run_id => '$cancelled_run');
select status from pgflow.cancel_run('$cancelled_run');
select 1;
SQL
)
payloads=$(echo "$received" | sed -n 's/^Asynchronous notification "pgflow" with payload "\(.*\)" received from server process with PID [0-9]*\.$/\1/p')
got=$(echo "$payloads" | while read -r p; do
  q "select format('%s %s %s %s', case (j->>'run_id')::uuid when '$done_run' then 'done' when '$cancelled_run' then 'cancelled' end,
                   j->>'flow_slug', coalesce(j->>'step_slug', '(run)'), j->>'status') from (select '$p'::jsonb j) s"
done)
expected="done n list completed
done n each completed
done n (run) completed
cancelled n (run) cancelled
cancelled n list cancelled
cancelled n each cancelled"
# Within one commit the steps come in no particular order.
[ "$(echo "$got" | sort)" = "$(echo "$expected" | sort)" ] || fail "$(printf 'received:\n%s\nexpected:\n%s\nraw:\n%s' "$got" "$expected" "$received")"
echo "ok - a listener received the end of every step and run, $(echo "$got" | wc -l) notifications"
dropdb "$DB"
