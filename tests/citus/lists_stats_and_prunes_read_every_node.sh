#!/usr/bin/env bash
# The readers across runs in the Citus mode, from the coordinator and a worker: list_runs pages
# through the top-level runs of every node newest first, as on one node; stats counts every
# node's runs and tasks; prune_runs deletes old finished trees, children on other nodes included,
# and leaves the rest.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/citus/common/cluster.sh
fresh_citus_database pgflow_readers
q "select pgflow.distribute()" >/dev/null
q "select pgflow.create_flow('child'); select pgflow.add_step('child', 'only');
   select pgflow.create_flow('parent'); select pgflow.add_step('parent', 'list');
   select pgflow.add_step('parent', 'kids', array['list'], step_type => 'fanout', subflow => 'child');
   select pgflow.create_flow('plain'); select pgflow.add_step('plain', 'items', step_type => 'fanout')" >/dev/null

# Twelve plain runs of three items, started one after another: their rows on both workers.
start_runs plain '[1, 2, 3]' 12
runs=$(q "select count(*) from pgflow.runs where flow_slug = 'plain'")
expected=$(q "select string_agg(run_id::text, ' ' order by started_at desc, run_id desc) from pgflow.runs where flow_slug = 'plain'")
for node in coordinator worker1; do
  if [ "$node" = coordinator ]; then on=q; else on="q_on $node"; fi
  listed="" before=null
  while :; do
    page=$($on "select string_agg(run_id::text, ' ' order by started_at desc, run_id desc)
                from pgflow.list_runs(flow_slug => 'plain', max_rows => 5, before_run_id => $before)")
    [ -n "$page" ] || break
    listed="${listed:+$listed }$page"
    before="'$(awk '{print $NF}' <<<"$page")'"
  done
  [ "$listed" = "$expected" ] || fail "list_runs on $node paged: $listed; expected: $expected"
done
echo "ok - list_runs pages through $runs runs on both nodes, newest first, from the coordinator and a worker"

# stats: the runs and their tasks, wherever they are; two tasks running.
for node in worker1 worker2; do q_on $node "select count(*) from pgflow.poll_for_tasks('plain', 30, 1, 0)" >/dev/null; done
stats="select active_runs || ' ' || queued_tasks || ' ' || running_tasks || ' ' || (oldest_queued_age is not null)
       from pgflow.stats('plain')"
[ "$(q "$stats")" = "$runs $((runs * 3 - 2)) 2 true" ] || fail "stats on the coordinator: $(q "$stats")"
[ "$(q_on worker2 "$stats")" = "$runs $((runs * 3 - 2)) 2 true" ] || fail "stats on worker2: $(q_on worker2 "$stats")"
[ "$(q "select count(*) from pgflow.stats()")" = 3 ] || fail "stats of every flow: a row per flow"
echo "ok - stats counts the runs and tasks of every node"

# A parent with four children on shards of their own, completed, and the plain runs cancelled:
# prune_runs deletes every finished tree, children included, and no other run.
parent=$(q "select run_id from pgflow.start_flow('parent', '{}')")
answer="select count(*) from unnest(array['parent', 'child']) f cross join lateral pgflow.poll_for_tasks(f, 30, 10, 0) t
        cross join lateral pgflow.complete_task(t.run_id, t.step_slug, t.task_index, '[1, 2, 3, 4]'::jsonb)"
for round in 1 2 3; do for node in worker1 worker2; do q_on $node "$answer" >/dev/null; done; done
[ "$(q "select status from pgflow.runs where run_id = '$parent'")" = completed ] || fail "the parent did not complete"
[ "$(q "select count(*) from pgflow.runs where parent_run_id = '$parent'")" = 4 ] || fail "four children"
for id in $(q "select run_id from pgflow.runs where flow_slug = 'plain'"); do q "select pgflow.cancel_run('$id')" >/dev/null; done
keep=$(q "select run_id from pgflow.start_flow('plain', '[1]')")
[ "$(q "select pgflow.prune_runs(interval '0 seconds', max_runs => 5)")" = 5 ] || fail "prune_runs did not prune 5 trees"
[ "$(q_on worker1 "select pgflow.prune_runs(interval '0 seconds')")" = $((runs + 1 - 5)) ] || fail "prune_runs on worker1"
[ "$(q "select count(*) from pgflow.runs")" = 1 ] || fail "runs left: $(q "select string_agg(flow_slug || ':' || status, ' ') from pgflow.runs")"
[ "$(q "select count(*) from pgflow.runs where run_id = '$keep' and status = 'started'")" = 1 ] || fail "the started run was pruned"
[ "$(q "select count(*) from pgflow.step_tasks where run_id <> '$keep'") $(q "select count(*) from pgflow.step_states where run_id <> '$keep'")" = "0 0" ] ||
  fail "tasks or step states of pruned runs are left"
echo "ok - prune_runs deletes every finished tree, its children on other nodes with it, and leaves a started run"
