#!/usr/bin/env bash
# Sub-flows across nodes: a fan-out of child runs, each on a shard of its own, lands on both
# workers; pollers on both nodes run the children, whose ends complete their parent's tasks on
# another node (one transaction over both nodes: Citus' two-phase commit), each task once, and the
# parent completes with its items' outputs in order. run_tree reads the tree from any node. A
# cancel from a worker reaches every child on both nodes; a redrive resumes them; a child that
# fails takes an attempt of its parent's task, which a new child runs; children answered by
# several pollers at once on both nodes complete their trees without a deadlock.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/citus/common/cluster.sh
fresh_citus_database pgflow_subflows
q "select pgflow.distribute()" >/dev/null
q "select pgflow.create_flow('variant', max_attempts => 1);
   select pgflow.add_step('variant', 'price');
   select pgflow.create_flow('category', base_delay => 0);
   select pgflow.add_step('category', 'list');
   select pgflow.add_step('category', 'products', array['list'], step_type => 'fanout', subflow => 'variant')" >/dev/null

items=$(q "select jsonb_agg(i) from generate_series(1, 16) i")
expected=$(q "select jsonb_agg(jsonb_build_object('price', i * 10) order by i) from generate_series(1, 16) i")
# One round on a node: claims of both flows, each answered in a transaction of its own, as a
# worker does (list: 16 items; price: the item * 10). Prints how many it answered.
answer_on() {
  q_on "$1" "do \$\$ declare t record; n int := 0; begin
    for t in select * from unnest(array['category', 'variant']) f cross join lateral pgflow.poll_for_tasks(f, 30, 10, 0) loop
      perform pgflow.complete_task(t.run_id, t.step_slug, t.task_index,
        case t.step_slug when 'list' then '$items'::jsonb else to_jsonb((t.input ->> 'run')::int * 10) end);
      commit;
      n := n + 1;
    end loop;
    raise notice 'answered %', n;
  end \$\$" 2>&1 | sed -n 's/.*answered //p'
}
rounds() { # until the root ends: claims per node in $DB.claims
  local round node
  declare -gA claimed=([worker1]=0 [worker2]=0)
  for round in $(seq 40); do
    for node in worker1 worker2; do claimed[$node]=$((claimed[$node] + $(answer_on $node))); done
    [ "$(q "select status from pgflow.runs where run_id = '$1'")" != started ] && return
  done
}
node_of() { # the worker node holding a run
  q "select n.nodename || ':' || n.nodeport from pg_dist_placement p join pg_dist_node n on n.groupid = p.groupid
      where p.shardid = get_shard_id_for_distribution_column('pgflow.runs', '$1'::uuid)"
}

root=$(q "select run_id from pgflow.start_flow('category', '{}')")
rounds "$root"
[ "$(q "select status || ' ' || (output -> 'products')::text from pgflow.runs where run_id = '$root'")" = "completed $expected" ] ||
  fail "the parent: $(q "select status, output from pgflow.runs where run_id = '$root'")"
echo "ok - a fan-out of 16 child runs completes its parent with their outputs in order"
children_nodes=$(for child in $(q "select run_id from pgflow.runs where parent_run_id = '$root'"); do node_of "$child"; done | sort -u | wc -l)
[ "$children_nodes" = 2 ] || fail "the children are on $children_nodes node(s)"
[ "${claimed[worker1]}" -gt 0 ] && [ "${claimed[worker2]}" -gt 0 ] || fail "a node claimed nothing: ${claimed[*]}"
echo "ok - the children are on both workers, whose pollers both ran some (${claimed[worker1]} and ${claimed[worker2]} claims)"
[ "$(q "select count(*) from pgflow.step_tasks where run_id = '$root' and step_slug = 'products' and status = 'completed' and attempts_count = 1")" = 16 ] ||
  fail "a parent's task was not completed once, by its one child"
[ "$(q "select count(*) from pgflow.runs where parent_run_id = '$root' and status = 'completed'")" = 16 ] || fail "16 completed children"
echo "ok - each parent task completed once, by the child run it held"
for node in coordinator worker1 worker2; do
  if [ "$node" = coordinator ]; then on=q; else on="q_on $node"; fi
  [ "$($on "select string_agg(depth || ':' || status || ':' || coalesce(parent_task_index, -1) || ':' || completed_tasks, ' ')
            from pgflow.run_tree('$root')")" = \
    "0:completed:-1:17 $(seq -s ' ' 0 15 | sed -E 's/([0-9]+)/1:completed:\1:1/g')" ] || fail "run_tree on $node"
done
echo "ok - run_tree lists the tree from every node, depth first in task order"

# Cancelled from a worker while its children run: every child on both nodes ends cancelled with
# its tasks; redriven, the children carry on and the run completes.
root=$(q "select run_id from pgflow.start_flow('category', '{}')")
list_node=$(node_of "$root")
for node in worker1 worker2; do
  q_on $node "select count(*) from pgflow.poll_for_tasks('category', 30, 10, 0) t
              cross join lateral pgflow.complete_task(t.run_id, t.step_slug, t.task_index, '$items'::jsonb)" >/dev/null
done
[ "$(q "select count(*) from pgflow.runs where parent_run_id = '$root' and status = 'started'")" = 16 ] || fail "16 children started"
[ "$(q_on worker1 "select status from pgflow.cancel_run('$root')")" = cancelled ] || fail "cancel_run on worker1"
[ "$(q "select string_agg(distinct status, ' ') from pgflow.runs where parent_run_id = '$root'")" = cancelled ] ||
  fail "children after the cancel: $(q "select string_agg(status, ' ') from pgflow.runs where parent_run_id = '$root'")"
[ "$(q "select string_agg(distinct t.status, ' ') from pgflow.step_tasks t join pgflow.runs r on r.run_id = t.run_id
        where r.parent_run_id = '$root'")" = cancelled ] || fail "the children's tasks are not cancelled"
echo "ok - a cancel from a worker cancels the children on both nodes, with their tasks"
[ "$(q_on worker2 "select status from pgflow.redrive_run('$root')")" = started ] || fail "redrive_run on worker2"
[ "$(q "select count(*) from pgflow.runs where parent_run_id = '$root' and status = 'started'")" = 16 ] ||
  fail "the redrive did not resume the 16 children"
rounds "$root"
[ "$(q "select status || ' ' || (output -> 'products')::text from pgflow.runs where run_id = '$root'")" = "completed $expected" ] ||
  fail "the redriven run: $(q "select status, output from pgflow.runs where run_id = '$root'")"
[ "$(q "select count(*) from pgflow.runs where parent_run_id = '$root'")" = 16 ] || fail "a redrive started new children"
echo "ok - redriven from a worker, the same children carry on and the run completes"

# A child whose task fails (one attempt) fails, which fails its parent task's attempt: a new child
# runs the item and completes it.
root=$(q "select run_id from pgflow.start_flow('category', '{}')")
for node in worker1 worker2; do
  q_on $node "select count(*) from pgflow.poll_for_tasks('category', 30, 10, 0) t
              cross join lateral pgflow.complete_task(t.run_id, t.step_slug, t.task_index, '[7]'::jsonb)" >/dev/null
done
child=$(q "select run_id from pgflow.runs where parent_run_id = '$root'")
# The child's task, claimed and failed on its node (only there: the next child may be elsewhere).
child_node=$(for node in worker1 worker2; do
  if [ "$(node_of "$child")" = "127.0.0.1:$(scripts/citus.sh port $node)" ]; then echo $node; fi
done)
[ "$(q_on "$child_node" "select count(*) from pgflow.poll_for_tasks('variant', 30, 10, 0) t
                          cross join lateral pgflow.fail_task(t.run_id, t.step_slug, t.task_index, 'no price')")" = 1 ] ||
  fail "the child's one task was not claimed on $child_node"
[ "$(q "select status from pgflow.runs where run_id = '$child'")" = failed ] || fail "the child did not fail"
[ "$(q "select count(*) from pgflow.runs where parent_run_id = '$root' and status = 'started'")" = 1 ] || fail "no new child"
[ "$(q "select status || ':' || attempts_count from pgflow.step_tasks where run_id = '$root' and step_slug = 'products'")" = started:2 ] ||
  fail "the parent's task: $(q "select status, attempts_count from pgflow.step_tasks where run_id = '$root' and step_slug = 'products'")"
rounds "$root"
[ "$(q "select status || ' ' || (output -> 'products')::text from pgflow.runs where run_id = '$root'")" = 'completed [{"price": 70}]' ] ||
  fail "after a child failed: $(q "select status, output from pgflow.runs where run_id = '$root'")"
echo "ok - a child that fails takes an attempt of its parent's task, which a new child completes"

# Four trees of 16 children, answered by two pollers per node at once: the children's ends
# complete tasks of parents on other nodes while answers of those trees run there. (Answers to
# children of several parents in one transaction lock the parents' steps in the children's order,
# which two such transactions may cross, on one node as on Citus: workers answer a task a
# transaction, as here.)
roots=$(for i in 1 2 3 4; do q "select run_id from pgflow.start_flow('category', '{}')"; done)
poller() {
  local empty=0 got
  while [ "$empty" -lt 3 ]; do
    got=$(answer_on "$1")
    if [ "$got" = 0 ]; then empty=$((empty + 1)); else empty=0; fi
  done
}
poller worker1 & poller worker1 & poller worker2 & poller worker2 &
wait
for r in $roots; do
  [ "$(q "select status || ' ' || (output -> 'products')::text from pgflow.runs where run_id = '$r'")" = "completed $expected" ] ||
    fail "a tree answered by four pollers: $(q "select status, output from pgflow.runs where run_id = '$r'")"
done
[ "$(q "select count(*) from pgflow.step_tasks t join pgflow.runs r on r.run_id = t.run_id
        where r.root_run_id = any (array['$(echo $roots | sed "s/ /','/g")']::uuid[]) and t.attempts_count <> 1")" = 0 ] ||
  fail "a task of the four trees was attempted twice"
echo "ok - four trees answered by two pollers per node at once complete, each task once"
