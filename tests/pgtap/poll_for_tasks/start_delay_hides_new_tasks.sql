begin;
select plan(2);

select pgflow.create_flow('delayed');
select pgflow.add_step('delayed', 'later', start_delay => 3600);
select run_id as run from pgflow.start_flow('delayed', '{}') \gset

select is_empty($$ select * from pgflow_tests.poll('delayed') $$, 'a task is not claimable before its start delay');
select ok((pgflow_tests.task(:'run', 'later')).visible_at >= now() + interval '3600 seconds',
  'it becomes visible after start_delay seconds');

select * from finish();
rollback;
