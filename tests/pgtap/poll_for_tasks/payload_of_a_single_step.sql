begin;
select plan(2);

select pgflow_tests.flow_diamond();
select run_id as run from pgflow.start_flow('diamond', '{"seed": 7}') \gset
select pgflow.complete_task(:'run', 'top', 0, '{"t": true}') from pgflow_tests.poll('diamond');
select pgflow.complete_task(:'run', step_slug, 0, to_jsonb(step_slug)) from pgflow_tests.poll('diamond');

select is((select input from pgflow_tests.poll('diamond')),
  '{"run": {"seed": 7}, "left_side": "left_side", "right_side": "right_side"}'::jsonb,
  'a single step gets the run input and the output of each dependency under its slug');

select pgflow_tests.flow_fanout();
select run_id as fan_run from pgflow.start_flow('fan', '[1]') \gset
select pgflow.complete_task(:'fan_run', 'list', 0, '[]') from pgflow_tests.poll('fan');
select is((select input from pgflow_tests.poll('fan')), '{"run": [1], "fetch": []}'::jsonb,
  'a dependent of a fan-out gets its ordered output array');

select * from finish();
rollback;
