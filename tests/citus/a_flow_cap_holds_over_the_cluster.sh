#!/usr/bin/env bash
# A flow's max_concurrency in the Citus mode holds over the cluster: the claims of a capped flow
# take its capacity lock on one node, whichever node they are made on, and count its leases on
# every node. Pollers on both workers lease at most the cap between them; answered, the next
# tasks are leased; four pollers at once run every run to completion, each task once.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/citus/common/cluster.sh
fresh_citus_database pgflow_caps
q "select pgflow.distribute()" >/dev/null
q "select pgflow.create_flow('capped', max_concurrency => 3); select pgflow.add_step('capped', 'items', step_type => 'fanout')" >/dev/null
start_runs capped '[1, 2, 3, 4, 5]' 4
runs=$(q "select count(*) from pgflow.runs")
started="select count(*) from pgflow.step_tasks where flow_slug = 'capped' and status = 'started'"
poll="select count(*) from pgflow.poll_for_tasks('capped', 30, 10, 0)"
first=$(q_on worker1 "$poll")
second=$(q_on worker2 "$poll")
[ "$((first + second))" = 3 ] || fail "the pollers of both nodes leased $first and $second of a flow capped at 3"
[ "$(q "$started")" = 3 ] || fail "$(q "$started") tasks started"
again=$(( $(q_on worker1 "$poll") + $(q_on worker2 "$poll") ))
[ "$again" = 0 ] || fail "$again more leased at the cap"
echo "ok - the pollers of both nodes lease $first and $second tasks of a flow capped at 3, and no more"
for id in $(q "select run_id || ',' || task_index from pgflow.step_tasks where flow_slug = 'capped' and status = 'started'"); do
  q "select count(*) from pgflow.complete_task('${id%,*}', 'items', ${id#*,}, '1')" >/dev/null
done
again=$(( $(q_on worker2 "$poll") + $(q_on worker1 "$poll") ))
[ "$again" = 3 ] || fail "after three answers, $again leased"
echo "ok - answered, they leave their slots to three more"

answer="select count(*) from pgflow.poll_for_tasks('capped', 30, 2, 0) t
        cross join lateral pgflow.complete_task(t.run_id, t.step_slug, t.task_index, '1') c"
for id in $(q "select run_id || ',' || task_index from pgflow.step_tasks where flow_slug = 'capped' and status = 'started'"); do
  q "select count(*) from pgflow.complete_task('${id%,*}', 'items', ${id#*,}, '1')" >/dev/null
done
poller() {
  local empty=0
  while [ "$empty" -lt 3 ]; do
    if [ "$(q_on "$1" "$answer")" = 0 ]; then empty=$((empty + 1)); else empty=0; fi
  done
}
poller worker1 & poller worker1 & poller worker2 & poller worker2 &
wait
[ "$(q "select count(*) from pgflow.runs where status = 'completed'")" = "$runs" ] ||
  fail "runs: $(q "select string_agg(status, ' ') from pgflow.runs")"
[ "$(q "select count(*) from pgflow.step_tasks where attempts_count <> 1")" = 0 ] || fail "a task was leased twice"
echo "ok - four pollers on both nodes at once complete the $runs runs under the cap, each task once"
