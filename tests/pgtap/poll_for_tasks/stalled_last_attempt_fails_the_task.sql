begin;
select plan(4);

select pgflow.create_flow('once', max_attempts => 1);
select pgflow.add_step('once', 'only');
select run_id as run from pgflow.start_flow('once', '{}') \gset

select is((select count(*)::int from pgflow.poll_for_tasks('once', 0, 1, 0)), 1, 'the only attempt is claimed with a lease of 0 s');
select is_empty($$ select * from pgflow.poll_for_tasks('once', 30, 1, 0) $$,
  'after its lease runs out, a task with no attempts left is not claimed again');
select row_eq(format('select status, error_message from pgflow.step_tasks where run_id = %L', :'run'),
  row('failed'::text, 'lease expired on the last attempt (1 of 1)'::text), 'it is failed instead');
select is((pgflow_tests.run(:'run')).status, 'failed', 'and so is its run, which would otherwise hang');

select * from finish();
rollback;
