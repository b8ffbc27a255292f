begin;
select plan(7);

select pgflow_tests.flow_fanout(max_attempts => 1);
select run_id as run from pgflow.start_flow('fan', '{}') \gset
select pgflow.complete_task(:'run', 'list', 0, '[1, 2, 3]') from pgflow_tests.poll('fan');
select count(*) from pgflow_tests.poll('fan');
select pgflow.complete_task(:'run', 'fetch', 0, '"first"');

select is_empty(format($$ select * from pgflow.complete_task(%L, 'fetch', 0, '"second"') $$, :'run'),
  'completing a task twice returns nothing');
select is((pgflow_tests.task(:'run', 'fetch', 0)).output, '"first"'::jsonb, 'and keeps the first output');
select is((pgflow_tests.step(:'run', 'fetch')).remaining_tasks, 2, 'and does not count twice');

select pgflow.fail_task(:'run', 'fetch', 1, 'boom');
select is((pgflow_tests.run(:'run')).status, 'failed', 'the run failed (one attempt allowed)');
select is_empty(format($$ select * from pgflow.complete_task(%L, 'fetch', 2, '"late"') $$, :'run'),
  'completing a task of a failed run returns nothing');
select row_eq(format($$ select status, output from pgflow.step_tasks where run_id = %L and step_slug = 'fetch' and task_index = 2 $$, :'run'),
  row('cancelled'::text, null::jsonb), 'and changes nothing');
select is_empty(format($$ select * from pgflow.fail_task(%L, 'fetch', 0, 'late failure') $$, :'run'),
  'failing a completed task returns nothing');

select * from finish();
rollback;
