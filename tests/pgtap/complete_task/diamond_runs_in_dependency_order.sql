begin;
select plan(4);

select pgflow_tests.flow_diamond();
select run_id as run from pgflow.start_flow('diamond', '{}') \gset
select pgflow.complete_task(:'run', 'top', 0, '"t"') from pgflow_tests.poll('diamond');
select count(*) from pgflow_tests.poll('diamond');  -- claims both sides
select pgflow.complete_task(:'run', 'right_side', 0, '"r"');
select is((pgflow_tests.step(:'run', 'bottom')).status, 'created', 'bottom waits for both sides');
select pgflow.complete_task(:'run', 'left_side', 0, '"l"');
select is((select input from pgflow_tests.poll('diamond') where step_slug = 'bottom'),
  '{"run": {}, "left_side": "l", "right_side": "r"}'::jsonb, 'and starts when both are done');
select pgflow.complete_task(:'run', 'bottom', 0, '"b"');
select row_eq(format('select status, output from pgflow.runs where run_id = %L', :'run'),
  row('completed'::text, '{"bottom": "b"}'::jsonb), 'the run output holds the single leaf');

-- Two leaves: the run output names both.
select pgflow.create_flow('two_leaves');
select pgflow.add_step('two_leaves', 'a');
select pgflow.add_step('two_leaves', 'b');
select run_id as run2 from pgflow.start_flow('two_leaves', '{}') \gset
select pgflow.complete_task(:'run2', step_slug, 0, to_jsonb(upper(step_slug))) from pgflow_tests.poll('two_leaves');
select is((pgflow_tests.run(:'run2')).output, '{"a": "A", "b": "B"}'::jsonb, 'every leaf is in the run output');

select * from finish();
rollback;
