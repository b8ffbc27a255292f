begin;
select plan(5);

select pgflow_tests.flow_diamond();
select run_id as run from pgflow.start_flow('diamond', '{}') \gset
select pgflow.complete_task(:'run', 'top', 0, '"t"') from pgflow_tests.poll('diamond');

select set_eq(
  format($$ select step_slug from pgflow.step_states where run_id = %L and status = 'started' $$, :'run'),
  array['left_side', 'right_side'], 'completing top starts both sides');

select pgflow.complete_task(:'run', step_slug, 0, to_jsonb(step_slug))
  from pgflow_tests.poll('diamond') where step_slug = 'left_side';
select is((pgflow_tests.step(:'run', 'bottom')).status, 'created', 'bottom waits for its second dependency');
select is((pgflow_tests.step(:'run', 'bottom')).remaining_deps, 1, 'and counts it');

select pgflow.start_ready_steps(:'run');
select is((pgflow_tests.step(:'run', 'bottom')).status, 'created', 'calling start_ready_steps early starts nothing');
select throws_ok($$ select pgflow.start_ready_steps('00000000-0000-0000-0000-000000000000') $$, 'P0002',
  'run 00000000-0000-0000-0000-000000000000 does not exist', 'unknown run');

select * from finish();
rollback;
