#!/usr/bin/env bash
# Definitions of flows that have runs, in the Citus mode (reference tables written after the runs,
# distributed, were read, over one connection per node): delete_flow is refused while a run is
# unfinished and then deletes the flow with every run of it and below it on every node;
# ensure_flow_compiled replaces a flow whose runs finished; delete_flow_and_data cancels the
# unfinished runs and deletes it all.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/citus/common/cluster.sh
fresh_citus_database pgflow_definitions
q "select pgflow.distribute()" >/dev/null
define() {
  q "select pgflow.create_flow('child'); select pgflow.add_step('child', 'only');
     select pgflow.create_flow('parent'); select pgflow.add_step('parent', 'list');
     select pgflow.add_step('parent', 'kids', array['list'], step_type => 'fanout', subflow => 'child')" >/dev/null
}
define
answer="select count(*) from unnest(array['parent', 'child']) f cross join lateral pgflow.poll_for_tasks(f, 30, 10, 0) t
        cross join lateral pgflow.complete_task(t.run_id, t.step_slug, t.task_index, '[1, 2, 3, 4, 5, 6]'::jsonb)"
start_runs parent '{}' 3
out=$(q "select pgflow.delete_flow('parent')" 2>&1) && fail "delete_flow of a flow with unfinished runs: $out"
grep -q "unfinished" <<<"$out" || fail "delete_flow said: $out"
echo "ok - delete_flow of a flow with unfinished runs is refused"
for round in 1 2 3; do for node in worker1 worker2; do q_on $node "$answer" >/dev/null; done; done
[ "$(q "select string_agg(distinct status, ' ') from pgflow.runs where flow_slug = 'parent'")" = completed ] || fail "the parents did not complete"
children=$(q "select count(*) from pgflow.runs where flow_slug = 'child'")
[ "$children" -ge 18 ] || fail "$children children"
q "select pgflow.delete_flow('parent')" >/dev/null
[ "$(q "select count(*) from pgflow.flows where flow_slug = 'parent'") $(q "select count(*) from pgflow.runs") $(q "select count(*) from pgflow.step_tasks")" = "0 0 0" ] ||
  fail "after delete_flow: $(q "select count(*) from pgflow.runs") runs, $(q "select count(*) from pgflow.step_tasks") tasks"
for node in worker1 worker2; do
  [ "$(q_on $node "select count(*) from pgflow.steps where flow_slug = 'parent'")" = 0 ] || fail "$node still has the steps"
done
echo "ok - then delete_flow deletes the flow and its runs' trees ($children child runs) on every node"

define
run=$(q "select run_id from pgflow.start_flow('parent', '{}')")
for round in 1 2 3; do for node in worker1 worker2; do q_on $node "$answer" >/dev/null; done; done
shape=$(q "select (pgflow.flow_shape('parent') #- '{steps,1}')::text")
[ "$(q "select pgflow.ensure_flow_compiled('parent', '$shape', allow_replace => true) ->> 'status'")" = replaced ] ||
  fail "ensure_flow_compiled did not replace the flow"
[ "$(q "select count(*) from pgflow.steps where flow_slug = 'parent'") $(q "select count(*) from pgflow.runs where flow_slug = 'parent'")" = "1 0" ] ||
  fail "after the replace: $(q "select count(*) from pgflow.steps where flow_slug = 'parent'") steps"
echo "ok - ensure_flow_compiled replaces a flow whose runs finished, with its runs"

q "select pgflow.delete_flow('parent')" >/dev/null
define
start_runs parent '{}' 2
for node in worker1 worker2; do q_on $node "$answer" >/dev/null; done
q "select pgflow.delete_flow_and_data('parent')" >/dev/null
[ "$(q "select count(*) from pgflow.flows where flow_slug = 'parent'") $(q "select count(*) from pgflow.runs")" = "0 0" ] ||
  fail "after delete_flow_and_data: $(q "select string_agg(flow_slug || ':' || status, ' ') from pgflow.runs")"
echo "ok - delete_flow_and_data cancels the unfinished runs, their children on every node too, and deletes it all"
