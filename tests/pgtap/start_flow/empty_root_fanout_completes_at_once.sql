begin;
select plan(4);

select pgflow_tests.flow_root_fanout();
select run_id as run from pgflow.start_flow('root', '[]') \gset

select row_eq(
  format($$ select status, initial_tasks, output from pgflow.step_states where run_id = %L and step_slug = 'items' $$, :'run'),
  row('completed'::text, 0, '[]'::jsonb), 'an empty fan-out completes with []');
select is((pgflow_tests.step(:'run', 'total')).status, 'started', 'its dependent starts in the same call');
select is((select input from pgflow_tests.poll('root')), '{"run": [], "items": []}'::jsonb,
  'and sees the empty array');
select is((pgflow_tests.run(:'run')).remaining_steps, 1, 'one step left');

select * from finish();
rollback;
