begin;
select plan(5);

select pgflow_tests.flow_chain();
select run_id as run from pgflow.start_flow('chain', '{}') \gset

select is((select count(*)::int from pgflow.poll_for_tasks('chain', 0, 1, 0)), 1, 'claimed with a lease of 0 s');
select is((select count(*)::int from pgflow.poll_for_tasks('chain', 30, 1, 0)), 1,
  'a task whose lease ran out is claimable again (the first worker is presumed dead)');
select is((pgflow_tests.task(:'run', 'first')).attempts_count, 2, 'the second claim counts a second attempt');
select is((pgflow_tests.task(:'run', 'first')).status, 'started', 'the task is started again');
select is_empty($$ select * from pgflow.poll_for_tasks('chain', 30, 1, 0) $$, 'the new lease holds');

select * from finish();
rollback;
