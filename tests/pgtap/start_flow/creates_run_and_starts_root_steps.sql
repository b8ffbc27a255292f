begin;
select plan(6);

select pgflow_tests.flow_diamond();
select run_id as run from pgflow.start_flow('diamond', '{"x": 1}') \gset

select row_eq(
  $$ select flow_slug, status, input, remaining_steps from pgflow.runs $$,
  row('diamond'::text, 'started'::text, '{"x": 1}'::jsonb, 4),
  'the run is started with its input and a count of its steps');
select results_eq(
  format($$ select step_slug, status, remaining_deps from pgflow.step_states where run_id = %L order by step_slug $$, :'run'),
  $$ values ('bottom', 'created', 2), ('left_side', 'created', 1), ('right_side', 'created', 1), ('top', 'started', 0) $$,
  'one state per step; only the step without dependencies is started');
select results_eq(
  $$ select step_slug, task_index, status, attempts_count from pgflow.step_tasks $$,
  $$ values ('top', 0, 'queued', 0) $$,
  'the started single step has one queued task');
select is((pgflow_tests.step(:'run', 'top')).initial_tasks, 1, 'a single step has one task');
select is((pgflow_tests.step(:'run', 'top')).remaining_tasks, 1, 'and it remains to be done');
select isnt((pgflow_tests.task(:'run', 'top')).message_id, null, 'tasks get a message id');

select * from finish();
rollback;
