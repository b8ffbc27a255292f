-- The parts of a big fan-out through a redrive, a repair and a skip: each completion is counted
-- once, on the step's row or on its part.
begin;
select plan(13);

select pgflow.create_flow('parted', max_attempts => 1);
select pgflow.add_step('parted', 'items', step_type => 'fanout');
select pgflow.create_flow('skipping', max_attempts => 1);
select pgflow.add_step('skipping', 'items', step_type => 'fanout', when_exhausted => 'skip');
select pgflow.add_step('skipping', 'after', array['items']);

create temp table r as
select (select run_id from pgflow.start_flow('parted', (select jsonb_agg(i) from generate_series(0, 99) i))) as parted,
       (select run_id from pgflow.start_flow('skipping', (select jsonb_agg(i) from generate_series(0, 99) i))) as skipping;
select count(*) from pgflow.poll_for_tasks('parted', 30, 1000, 0);
select count(*) from pgflow.poll_for_tasks('skipping', 30, 1000, 0);

-- 71 answers (the 64 of part 0, tasks 0 to 63, which ends it, and 7 of part 1's 36), then a
-- failure fails the run.
select pgflow.complete_task((select parted from r), 'items', i, to_jsonb(i)) from generate_series(0, 70) i;
select pgflow.fail_task((select parted from r), 'items', 80, 'boom');
select is((select status from pgflow.runs where run_id = (select parted from r)), 'failed', 'the failure failed the run');
select is((select completed from pgflow.progress((select parted from r)) where step_slug = 'items'), 71,
          'progress of the failed step counts its 71 completions');

select pgflow.redrive_run((select parted from r));
select is((select (completed_tasks, remaining_tasks)::text from pgflow.step_states where run_id = (select parted from r)),
          '(71,29)', 'the redrive counts every completion on the step''s row');
select is((select (sum(remaining), sum(completed))::text from pgflow.step_parts where run_id = (select parted from r)),
          '(29,0)', 'and its parts the 29 items left, with no completion');
select is_empty($$ select * from pgflow.verify_run((select parted from r)) $$, 'verify_run agrees after the redrive');

-- A corrupted part: verify_run names it, repair_run sets it from the tasks.
update pgflow.step_parts set remaining = 50 where run_id = (select parted from r) and part = 1;
select results_eq($$ select subject, what, stored, expected from pgflow.verify_run((select parted from r)) $$,
                  $$ values ('step items part 1'::text, 'remaining'::text, '50'::text, '29'::text) $$,
                  'verify_run names the part and what it should hold');
select results_eq($$ select subject, what, was, now from pgflow.repair_run((select parted from r)) $$,
                  $$ values ('step items part 1'::text, 'remaining'::text, '50'::text, '29'::text) $$,
                  'repair_run sets it');
select is_empty($$ select * from pgflow.verify_run((select parted from r)) $$, 'the run is consistent again');
select is_empty($$ select * from pgflow.repair_run((select parted from r)) $$, 'and a second repair changes nothing');

select count(*) from pgflow.poll_for_tasks('parted', 30, 1000, 0);
select pgflow.complete_tasks(array_fill((select parted from r), array[count(*)::int]), array_fill('items'::text, array[count(*)::int]),
                             array_agg(task_index), array_agg(to_jsonb(task_index)))
from pgflow.step_tasks where run_id = (select parted from r) and status = 'started';
select is((select (status, output)::text from pgflow.runs where run_id = (select parted from r)),
          (select ('completed', jsonb_build_object('items', jsonb_agg(i order by i)))::text from generate_series(0, 99) i),
          'the redriven run completes with every output in order');

-- A skip with completions still on the parts: they are counted once.
select pgflow.complete_task((select skipping from r), 'items', i, to_jsonb(i)) from generate_series(0, 9) i;
select pgflow.fail_task((select skipping from r), 'items', 10, 'boom');
select is((select (status, completed, failed)::text from pgflow.progress((select skipping from r)) where step_slug = 'items'),
          '(skipped,10,1)', 'a skipped step counts the completions on its parts');
select is((select completed_tasks from pgflow.run_tree((select skipping from r))), 10::bigint, 'so does run_tree');
select is_empty($$ select * from pgflow.verify_run((select skipping from r)) $$, 'and verify_run agrees');

select * from finish();
rollback;
