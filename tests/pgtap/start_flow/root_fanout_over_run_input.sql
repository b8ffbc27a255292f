begin;
select plan(4);

select pgflow_tests.flow_root_fanout();
select run_id as run from pgflow.start_flow('root', '[10, null, {"k": "v"}]') \gset

select results_eq(
  format($$ select task_index, item, status from pgflow.step_tasks where run_id = %L order by task_index $$, :'run'),
  $$ values (0, '10'::jsonb, 'queued'), (1, 'null'::jsonb, 'queued'), (2, '{"k": "v"}'::jsonb, 'queued') $$,
  'one task per element of the run input, each holding its element (JSON null kept)');
select row_eq(
  format($$ select status, initial_tasks, remaining_tasks from pgflow.step_states where run_id = %L and step_slug = 'items' $$, :'run'),
  row('started'::text, 3, 3), 'the fan-out knows its size');
select is((pgflow_tests.step(:'run', 'total')).status, 'created', 'the dependent waits');
select is((pgflow_tests.step(:'run', 'total')).initial_tasks, 1, 'single steps know their size up front');

select * from finish();
rollback;
