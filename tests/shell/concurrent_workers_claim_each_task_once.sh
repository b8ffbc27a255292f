#!/usr/bin/env bash
# Four worker sessions drain one 2,000-item fan-out at the same time; workers 2 and 4 claim and
# answer a batch at a time (complete_tasks) in one transaction, workers 1 and 3 claim a batch, then
# answer task by task (complete_task), each answer in a transaction of its own (several answers
# to one big fan-out in one transaction, one call each, could deadlock with a batch: see
# docs/architecture.md, Locks).
# Every task must be claimed exactly once (no lease expires here), and the output must be complete
# and in order.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/shell/common/database.sh
N=2000
fresh_database pgflow_concurrency
q "select pgflow.create_flow('fan');
   select pgflow.add_step('fan', 'list');
   select pgflow.add_step('fan', 'fetch', array['list'], step_type => 'fanout');
   select pgflow.add_step('fan', 'save', array['fetch'])" >/dev/null
# A worker: claim up to 10 tasks and complete them; stop after 2 s with nothing to claim.
q "create table claims (worker int, run_id uuid, step_slug text, task_index int);
   create procedure work(worker int) language plpgsql as \$\$
   declare got int; answer record;
   begin
     create temp table answers (run_id uuid, step_slug text, task_index int, output jsonb);
     loop
       truncate answers;
       insert into answers
         select t.run_id, t.step_slug, t.task_index, case t.step_slug
                  when 'list' then (select jsonb_agg(i) from generate_series(0, $N - 1) i)
                  when 'fetch' then t.input -> 'item'
                  else to_jsonb(jsonb_array_length(t.input -> 'fetch')) end as output
         from pgflow.poll_for_tasks('fan', 60, 10, 2, 20) t;
       insert into claims select worker, run_id, step_slug, task_index from answers;
       if worker % 2 = 0 then
         perform pgflow.complete_tasks(array_agg(run_id), array_agg(step_slug), array_agg(task_index), array_agg(output))
           from answers having count(*) > 0;
       else
         commit;
         for answer in select * from answers loop
           perform pgflow.complete_task(answer.run_id, answer.step_slug, answer.task_index, answer.output);
           commit;
         end loop;
       end if;
       select count(*) into got from answers;
       commit;
       exit when got = 0;
     end loop;
   end \$\$"
run=$(q "select run_id from pgflow.start_flow('fan', '{}')")
pids=()
for w in 1 2 3 4; do q "call work($w)" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || fail "worker exited with an error"; done

[ "$(q "select count(*) from claims")" = $((N + 2)) ] || fail "expected $((N + 2)) claims, got $(q "select count(*) from claims")"
[ "$(q "select count(*) from (select 1 from claims group by run_id, step_slug, task_index having count(*) > 1) d")" = 0 ] \
  || fail "a task was claimed twice"
[ "$(q "select count(distinct worker) from claims")" -ge 2 ] || fail "the workers did not share the work"
[ "$(q "select status || ' ' || output::text from pgflow.runs where run_id = '$run'")" = "completed {\"save\": $N}" ] \
  || fail "the run did not complete: $(q "select status, output from pgflow.runs")"
[ "$(q "select output = (select jsonb_agg(i) from generate_series(0, $N - 1) i) from pgflow.step_states where step_slug = 'fetch'")" = t ] \
  || fail "the fan-out output is not complete and in order"
echo "ok - 4 concurrent workers claimed each of $((N + 2)) tasks exactly once; output complete and ordered ($(q "select string_agg(c::text, '/') from (select count(*) c from claims group by worker order by worker) x") per worker)"
dropdb "$DB"
