begin;
select plan(5);

select pgflow_tests.flow_fanout();
select run_id as run from pgflow.start_flow('fan', '{}') \gset
-- Complete the list task by hand, without the cascade, to call spawn_fanout_tasks directly.
update pgflow.step_tasks set status = 'completed', output = '["a", "b", "c", "d"]' where run_id = :'run' and step_slug = 'list';
update pgflow.step_states set status = 'completed', output = '["a", "b", "c", "d"]', remaining_tasks = 0 where run_id = :'run' and step_slug = 'list';
update pgflow.step_states set status = 'started', remaining_deps = 0 where run_id = :'run' and step_slug = 'fetch';

select is(pgflow.spawn_fanout_tasks(:'run', 'fetch'), 4, 'returns the number of tasks');
select results_eq(
  format($$ select task_index, item from pgflow.step_tasks where run_id = %L and step_slug = 'fetch' order by task_index $$, :'run'),
  $$ values (0, '"a"'::jsonb), (1, '"b"'::jsonb), (2, '"c"'::jsonb), (3, '"d"'::jsonb) $$,
  'tasks 0..N-1, each with its element');
select row_eq(
  format($$ select initial_tasks, remaining_tasks from pgflow.step_states where run_id = %L and step_slug = 'fetch' $$, :'run'),
  row(4, 4), 'the step counts its tasks');
select is(pgflow.spawn_fanout_tasks(:'run', 'fetch'), 4, 'a second call returns the same size');
select is((select count(*)::int from pgflow.step_tasks where run_id = :'run' and step_slug = 'fetch'), 4,
  'and creates no more tasks');

select * from finish();
rollback;
