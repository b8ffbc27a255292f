begin;
select plan(5);

select pgflow_tests.flow_two_fanouts();
select run_id as run from pgflow.start_flow('twofan', '{}') \gset
select pgflow.complete_task(:'run', 'list', 0, '[]') from pgflow_tests.poll('twofan');

select results_eq(
  format($$ select step_slug, status, initial_tasks, output from pgflow.step_states where run_id = %L and step_slug like '%%map' order by step_slug $$, :'run'),
  $$ values ('inner_map', 'completed', 0, '[]'::jsonb), ('outer_map', 'completed', 0, '[]'::jsonb) $$,
  'an empty array completes the fan-out, and the fan-out over it, in the same transaction');
select is((select count(*)::int from pgflow.step_tasks where run_id = :'run' and step_slug like '%map'), 0, 'no fan-out task exists');
select is((pgflow_tests.step(:'run', 'done')).status, 'started', 'the step after them starts');

select is((select input from pgflow_tests.poll('twofan')), '{"run": {}, "inner_map": []}'::jsonb, 'with an empty array as input');
select pgflow.complete_task(:'run', 'done', 0, '0');
select row_eq(format('select status, output from pgflow.runs where run_id = %L', :'run'),
  row('completed'::text, '{"done": 0}'::jsonb), 'the run completes');

select * from finish();
rollback;
