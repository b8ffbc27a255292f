#!/usr/bin/env bash
# verify_run and repair_run in the Citus mode: their statements, which Citus cannot route, run on
# the run's shard on the node that holds it. A call on that node, or one outside a transaction
# block anywhere (Citus sends it there), reports and mends a corrupted run as on one node; one in
# a transaction block on another node is refused (0A000) and changes nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/citus/common/cluster.sh
fresh_citus_database pgflow_repair
q "select pgflow.distribute()" >/dev/null
q "select pgflow.create_flow('fan'); select pgflow.add_step('fan', 'list');
   select pgflow.add_step('fan', 'fetch', array['list'], step_type => 'fanout');
   select pgflow.add_step('fan', 'save', array['fetch'])" >/dev/null
run=$(q "select run_id from pgflow.start_flow('fan', '{}')")
port=$(q "select n.nodeport from pg_dist_placement p join pg_dist_node n on n.groupid = p.groupid
          where p.shardid = get_shard_id_for_distribution_column('pgflow.runs', '$run'::uuid)")
home=$(for n in worker1 worker2; do if [ "$(scripts/citus.sh port $n)" = "$port" ]; then echo $n; fi; done)
away=$(for n in worker1 worker2; do if [ "$n" != "$home" ]; then echo $n; fi; done)
q_on "$home" "select count(*) from pgflow.poll_for_tasks('fan', 30, 1, 0) t
              cross join lateral pgflow.complete_task(t.run_id, t.step_slug, t.task_index, '[1, 2, 3]') c" >/dev/null
q_on "$home" "select count(*) from pgflow.poll_for_tasks('fan', 30, 1, 0) t
              cross join lateral pgflow.complete_task(t.run_id, t.step_slug, t.task_index, '10') c" >/dev/null
for node in coordinator "$home" "$away"; do
  if [ "$node" = coordinator ]; then on=q; else on="q_on $node"; fi
  [ "$($on "select count(*) from pgflow.verify_run('$run')")" = 0 ] || fail "verify_run on $node of a consistent run"
done
echo "ok - verify_run of a consistent run reports nothing, called on any node"

# Corrupted by hand, as a bug or an operator could.
q "update pgflow.step_states set completed_tasks = 7, remaining_tasks = 9 where run_id = '$run' and step_slug = 'fetch';
   update pgflow.step_states set remaining_deps = 0 where run_id = '$run' and step_slug = 'save';
   update pgflow.runs set remaining_steps = 1 where run_id = '$run'" >/dev/null
[ "$(q "select count(*) from pgflow.verify_run('$run')")" = 4 ] || fail "verify_run from the coordinator: $(q "select * from pgflow.verify_run('$run')")"
echo "ok - verify_run from the coordinator reports the four broken counters"
out=$(q_on "$away" "begin; select count(*) from pgflow.repair_run('$run'); commit" 2>&1) && fail "repair_run in a transaction on $away ran: $out"
grep -q "runs on the node that holds the run" <<<"$out" || fail "repair_run on $away said: $out"
[ "$(q_on "$home" "select count(*) from pgflow.verify_run('$run')")" = 4 ] || fail "the refused repair changed something"
echo "ok - repair_run in a transaction block on the other worker is refused and changes nothing"
[ "$(q "select string_agg(subject || ':' || what || ':' || was || '->' || now, ' ' order by subject, what) from pgflow.repair_run('$run')")" = \
  "run:remaining_steps:1->2 step fetch:completed_tasks:7->1 step fetch:remaining_tasks:9->2 step save:remaining_deps:0->1" ] ||
  fail "repair_run from the coordinator: $(q "select * from pgflow.verify_run('$run')")"
[ "$(q_on "$away" "select count(*) from pgflow.verify_run('$run')")" = 0 ] || fail "verify_run after the repair"
echo "ok - repair_run from the coordinator mends them, after which verify_run reports nothing"
for i in 1 2; do
  q_on "$home" "select count(*) from pgflow.poll_for_tasks('fan', 30, 1, 0) t
                cross join lateral pgflow.complete_task(t.run_id, t.step_slug, t.task_index, '1') c" >/dev/null
done
q_on "$home" "select count(*) from pgflow.poll_for_tasks('fan', 30, 1, 0) t
              cross join lateral pgflow.complete_task(t.run_id, t.step_slug, t.task_index, '1') c" >/dev/null
[ "$(q "select status from pgflow.runs where run_id = '$run'")" = completed ] || fail "the repaired run did not complete"
echo "ok - the repaired run completes"
