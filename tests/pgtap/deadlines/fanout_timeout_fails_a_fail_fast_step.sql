begin;
select plan(7);

select pgflow_tests.flow_items(fanout_timeout => 60);
select run_id as run from pgflow.start_flow('items', '[0, 1, 2, 3, 4]') \gset
select count(*) from pgflow.poll_for_tasks('items', 30, 2, 0);
select pgflow.complete_task(:'run', 'items', 0, '0');

select is(pgflow.enforce_deadlines(), 0, 'before its deadline nothing happens');
-- 61 s later, as far as the step can tell.
update pgflow.step_states set started_at = now() - interval '61 seconds' where run_id = :'run' and step_slug = 'items';
select is(pgflow.enforce_deadlines(), 1, 'past it, enforce_deadlines acts on one deadline');
select row_eq(format($$ select status, error_message from pgflow.step_states where run_id = %L and step_slug = 'items' $$, :'run'),
  row('failed'::text, 'timed out after 60 s (fanout_timeout) with 4 of 5 tasks unfinished'::text),
  'the step fails, saying it timed out, after how long and how many of N tasks were unfinished');
select row_eq(format($$ select status, error_message from pgflow.runs where run_id = %L $$, :'run'),
  row('failed'::text, 'step ''items'' failed: timed out after 60 s (fanout_timeout) with 4 of 5 tasks unfinished'::text),
  'and so does its run');
select results_eq(
  format($$ select status, error_message, count(*)::int from pgflow.step_tasks where run_id = %L
            group by 1, 2 order by 1 $$, :'run'),
  $$ values ('cancelled', 'timed out', 4), ('completed', null, 1) $$,
  'its unfinished tasks are cancelled as timed out; the completed one keeps its output');
select is(pgflow.enforce_deadlines(), 0, 'a deadline is acted on once');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'run'), 'the run is consistent');

select * from finish();
rollback;
