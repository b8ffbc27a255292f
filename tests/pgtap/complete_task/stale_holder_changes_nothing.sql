begin;
select plan(7);

-- Worker a claims the task; its lease runs out and worker b claims it again.
select pgflow_tests.flow_chain();
select run_id as run from pgflow.start_flow('chain', '{}') \gset
select count(*) from pgflow.poll_for_tasks('chain', 30, 1, 0, 100, '00000000-0000-0000-0000-00000000000a');
update pgflow.step_tasks set visible_at = now() - interval '1 second' where run_id = :'run';
select count(*) from pgflow.poll_for_tasks('chain', 30, 1, 0, 100, '00000000-0000-0000-0000-00000000000b');

select is_empty(format($$ select * from pgflow.complete_task(%L, 'first', 0, '"from a"', '00000000-0000-0000-0000-00000000000a') $$, :'run'),
  'the stale holder''s completion returns nothing');
select row_eq(format($$ select status, output, attempts_count from pgflow.step_tasks where run_id = %L and step_slug = 'first' $$, :'run'),
  row('started'::text, null::jsonb, 2), 'and changes nothing: the newer attempt still runs');
select is_empty(format($$ select * from pgflow.fail_task(%L, 'first', 0, 'from a', '00000000-0000-0000-0000-00000000000a') $$, :'run'),
  'the stale holder''s failure returns nothing too');

select is((select output from pgflow.complete_task(:'run', 'first', 0, '"from b"', '00000000-0000-0000-0000-00000000000b')),
  '"from b"'::jsonb, 'the current holder completes the task');
select is_empty(format($$ select * from pgflow.complete_task(%L, 'first', 0, '"from a, later"', '00000000-0000-0000-0000-00000000000a') $$, :'run'),
  'a stale completion after the new holder''s returns nothing');
select is((pgflow_tests.task(:'run', 'first')).output, '"from b"'::jsonb, 'and never overwrites the newer attempt''s output');
select is((pgflow_tests.step(:'run', 'second')).status, 'started', 'the run moved on once, with the newer output');

select * from finish();
rollback;
