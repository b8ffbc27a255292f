#!/usr/bin/env bash
# Runs on a coordinator and two workers: list -> work (a fan-out of five) -> total, started on the
# coordinator, claimed and answered by pollers connected to the workers, each of which claims the
# tasks of the shards its node holds. Every run completes with its items' outputs in order, each
# task claimed once; both nodes claim; progress and read_results read a run from any node. A keyed
# start from both workers at once makes one run; a run cancelled from a worker ends cancelled.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/citus/common/cluster.sh
fresh_citus_database pgflow_runs
q "select pgflow.distribute()" >/dev/null
q "select pgflow.create_flow('cf');
   select pgflow.add_step('cf', 'list');
   select pgflow.add_step('cf', 'work', array['list'], step_type => 'fanout');
   select pgflow.add_step('cf', 'total', array['work'])" >/dev/null

start_runs cf '{}' 8
runs=$(q "select count(*) from pgflow.runs")
[ "$(nodes_holding cf)" = 2 ] || fail "the runs are not on both workers"
echo "ok - $runs runs started on the coordinator, their rows on both workers"

# One round: each worker's poller claims up to 4 tasks of its node's shards and answers them in the
# same statement (list: five items; work: its item doubled; total: what its payload holds).
answer="select count(*) from pgflow.poll_for_tasks('cf', 30, 4, 0) t
        cross join lateral (
          select count(*) from pgflow.complete_task(t.run_id, t.step_slug, t.task_index,
            case t.step_slug when 'list' then '[1, 2, 3, 4, 5]'::jsonb
                             when 'work' then to_jsonb((t.input ->> 'item')::int * 2)
                             else t.input -> 'work' end)) c"
declare -A claimed=([worker1]=0 [worker2]=0)
for round in $(seq 60); do
  for node in worker1 worker2; do
    claimed[$node]=$((claimed[$node] + $(q_on $node "$answer")))
  done
  [ "$(q "select count(*) from pgflow.runs where status <> 'completed'")" = 0 ] && break
done
[ "$(q "select count(*) from pgflow.runs where status = 'completed'")" = "$runs" ] ||
  fail "not every run completed: $(q "select string_agg(status, ' ') from pgflow.runs")"
echo "ok - every run completed (claims: ${claimed[worker1]} on worker1, ${claimed[worker2]} on worker2)"
[ "${claimed[worker1]}" -gt 0 ] && [ "${claimed[worker2]}" -gt 0 ] || fail "a worker node claimed nothing"
[ $((claimed[worker1] + claimed[worker2])) = $((runs * 7)) ] ||
  fail "$((claimed[worker1] + claimed[worker2])) claims for $((runs * 7)) tasks: a task was claimed twice, or never"
[ "$(q "select count(*) from pgflow.step_tasks where attempts_count <> 1")" = 0 ] || fail "a task was attempted twice"
echo "ok - both nodes claimed, each task once"
[ "$(q "select count(*) from pgflow.runs where output = '{\"total\": [2, 4, 6, 8, 10]}'")" = "$runs" ] ||
  fail "outputs: $(q "select string_agg(output::text, ' ') from pgflow.runs")"
echo "ok - each run's output holds its items' outputs in order"

run=$(q "select run_id from pgflow.runs limit 1")
for node in coordinator worker1 worker2; do
  if [ "$node" = coordinator ]; then on=q; else on="q_on $node"; fi
  [ "$($on "select string_agg(step_slug || ':' || status || ':' || completed, ' ' order by step_slug) from pgflow.progress('$run')")" = \
    "list:completed:1 total:completed:1 work:completed:5" ] || fail "progress on $node"
  [ "$($on "select string_agg(output::text, ',' order by task_index) from pgflow.read_results('$run', 'work')")" = "2,4,6,8,10" ] ||
    fail "read_results on $node"
done
echo "ok - progress and read_results read a run from every node"

# wait_for_run on the coordinator for a run a worker node ends: the call is delegated to the
# run's node (made outside a transaction block), where the end wakes it; an end wakes waiters on
# its own node only, so one made in a transaction block would return at its timeout (or its
# recheck every 10 s), with the run ended all the same.
waited=$(q "select run_id from pgflow.start_flow('cf', '{}')")
(sleep 1
 for _ in $(seq 10); do
   for node in worker1 worker2; do q_on $node "$answer" >/dev/null; done
   [ "$(q "select status from pgflow.runs where run_id = '$waited'")" = completed ] && break
 done) &
[ "$(q "select status from pgflow.wait_for_run('$waited', 4000)")" = completed ] || fail "wait_for_run did not see the run end"
wait
echo "ok - wait_for_run on the coordinator returns a run a worker ended"

# A keyed start from both workers at once: one run, the same id for both.
(q_on worker1 "select run_id from pgflow.start_flow('cf', '{}', run_key => 'order-1')" >"$DB.key1") &
(q_on worker2 "select run_id from pgflow.start_flow('cf', '{}', run_key => 'order-1')" >"$DB.key2") &
wait
[ "$(cat "$DB.key1")" = "$(cat "$DB.key2")" ] || fail "two starts of one key got $(cat "$DB.key1") and $(cat "$DB.key2")"
rm -f "$DB.key1" "$DB.key2"
[ "$(q "select count(*) from pgflow.runs where run_key = 'order-1'")" = 1 ] || fail "a key made two runs"
echo "ok - a keyed start from two nodes at once makes one run"

cancelled=$(q "select run_id from pgflow.start_flow('cf', '{}')")
[ "$(q_on worker2 "select status from pgflow.cancel_run('$cancelled')")" = cancelled ] || fail "cancel_run on worker2"
[ "$(q "select string_agg(distinct status, ' ') from pgflow.step_tasks where run_id = '$cancelled'")" = cancelled ] ||
  fail "the cancelled run's tasks are not cancelled"
[ "$(q_on worker1 "select count(*) from pgflow.poll_for_tasks('cf', 30, 10, 0) where run_id = '$cancelled'")" = 0 ] ||
  fail "a cancelled run's task was claimed"
echo "ok - a run cancelled from a worker ends cancelled with its tasks, and nothing of it is claimed"

# A task that fails is retried; failed again (max_attempts 2), its run fails, and the rest of it
# is cancelled; redriven from a worker, the run starts again where it stopped and completes.
q "select pgflow.create_flow('ff', max_attempts => 2, base_delay => 0);
   select pgflow.add_step('ff', 'list');
   select pgflow.add_step('ff', 'work', array['list'], step_type => 'fanout')" >/dev/null
failing=$(q "select run_id from pgflow.start_flow('ff', '{}')")
poll_all="select count(*) from (select pgflow.poll_for_tasks('ff', 30, 100, 0)) p"
claim_both() { echo $(( $(q_on worker1 "$poll_all") + $(q_on worker2 "$poll_all") )); }
[ "$(claim_both)" = 1 ] || fail "the list task was not claimed"
q_on worker1 "select count(*) from pgflow.complete_task('$failing', 'list', 0, '[1, 2, 3]')" >/dev/null
[ "$(claim_both)" = 3 ] || fail "the three items were not claimed"
q_on worker2 "select count(*) from pgflow.fail_task('$failing', 'work', 0, 'boom')" >/dev/null
[ "$(q "select status || ':' || attempts_count from pgflow.step_tasks where run_id = '$failing' and step_slug = 'work' and task_index = 0")" = queued:1 ] ||
  fail "a failed task with an attempt left is not queued again"
[ "$(claim_both)" = 1 ] || fail "the failed task was not claimed again"
q_on worker1 "select count(*) from pgflow.fail_task('$failing', 'work', 0, 'boom again')" >/dev/null
[ "$(q "select status from pgflow.runs where run_id = '$failing'")" = failed ] || fail "the run did not fail"
[ "$(q "select string_agg(status, ',' order by task_index) from pgflow.step_tasks where run_id = '$failing' and step_slug = 'work'")" = \
  failed,cancelled,cancelled ] || fail "the failed run's other tasks are not cancelled"
echo "ok - a failure is retried, the last one fails the run, whose other tasks are cancelled"
[ "$(q_on worker2 "select status from pgflow.redrive_run('$failing')")" = started ] || fail "redrive_run on worker2"
[ "$(claim_both)" = 3 ] || fail "the redriven run's three tasks were not claimed"
for i in 0 1 2; do q_on worker1 "select count(*) from pgflow.complete_task('$failing', 'work', $i, '$i')" >/dev/null; done
[ "$(q "select status || ' ' || output::text from pgflow.runs where run_id = '$failing'")" = 'completed {"work": [0, 1, 2]}' ] ||
  fail "the redriven run did not complete: $(q "select status, output from pgflow.runs where run_id = '$failing'")"
echo "ok - redriven from a worker, the run completes"

# A run past its flow's run_timeout fails at the next poll of the node that holds it (each node
# looks after the deadlines of its own shards), its tasks cancelled.
q "select pgflow.create_flow('late', run_timeout => 1); select pgflow.add_step('late', 'only')" >/dev/null
start_runs late '{}' 2
sleep 1.2
for node in worker1 worker2; do q_on $node "select count(*) from pgflow.poll_for_tasks('late', 30, 10, 0)" >/dev/null; done
[ "$(q "select string_agg(distinct status, ' ') from pgflow.runs where flow_slug = 'late'")" = failed ] ||
  fail "runs past their deadline: $(q "select string_agg(status, ' ') from pgflow.runs where flow_slug = 'late'")"
[ "$(q "select count(*) from pgflow.runs where flow_slug = 'late' and error_message like '%timed out%'")" = \
  "$(q "select count(*) from pgflow.runs where flow_slug = 'late'")" ] || fail "a late run does not say it timed out"
[ "$(q "select string_agg(distinct status, ' ') from pgflow.step_tasks where flow_slug = 'late'")" = cancelled ] ||
  fail "a late run's tasks are not cancelled"
echo "ok - runs past their run_timeout on both nodes fail at the next poll of their node, tasks cancelled"

# N tasks over runs on both nodes, claimed by two pollers on each node at once, answered in batches
# (complete_tasks, grouped by run on the way): each task claimed and completed once.
q "select pgflow.create_flow('many');
   select pgflow.add_step('many', 'items', step_type => 'fanout')" >/dev/null
for i in $(seq 6); do q "select run_id from pgflow.start_flow('many', (select jsonb_agg(i) from generate_series(1, 50) i))" >/dev/null; done
batch="with t as materialized (select * from pgflow.poll_for_tasks('many', 30, 10, 0))
       select count(*) from t where (select count(*) from pgflow.complete_tasks(
         (select coalesce(array_agg(run_id), '{}') from t), (select coalesce(array_agg(step_slug), '{}') from t),
         (select coalesce(array_agg(task_index), '{}') from t),
         (select coalesce(array_agg(input -> 'item'), '{}') from t))) >= 0"
poller() { # node file: polls until a look finds nothing three times running
  local empty=0 total=0 got
  while [ "$empty" -lt 3 ]; do
    got=$(q_on "$1" "$batch")
    if [ "$got" = 0 ]; then empty=$((empty + 1)); else empty=0; total=$((total + got)); fi
  done
  echo "$total" >"$2"
}
out=$(mktemp -d)
poller worker1 "$out/a" & poller worker1 "$out/b" & poller worker2 "$out/c" & poller worker2 "$out/d" &
wait
claims=$(( $(cat "$out/a") + $(cat "$out/b") + $(cat "$out/c") + $(cat "$out/d") ))
rm -rf "$out"
[ "$claims" = 300 ] || fail "300 tasks, $claims claims"
[ "$(q "select count(*) from pgflow.step_tasks where flow_slug = 'many' and status = 'completed' and attempts_count = 1")" = 300 ] ||
  fail "not every task completed on its first claim"
[ "$(q "select count(*) from pgflow.runs where flow_slug = 'many' and status = 'completed'")" = 6 ] || fail "the six runs did not complete"
echo "ok - two pollers on each node claimed 300 tasks of six runs, each once, answering in batches"
