begin;
select plan(4);

select pgflow_tests.flow_root_fanout();
select pgflow.start_flow('root', (select jsonb_agg(i) from generate_series(1, 25) i));

select is((select count(*)::int from pgflow.poll_for_tasks('root', 30, 10, 0)), 10, 'the first claim gets qty tasks');
select is((select count(*)::int from pgflow.poll_for_tasks('root', 30, 10, 0)), 10, 'the second the next qty');
select is((select count(*)::int from pgflow.poll_for_tasks('root', 30, 10, 0)), 5, 'the third what is left');
select is((select count(distinct task_index)::int from pgflow.step_tasks where status = 'started'), 25,
  'every task was claimed exactly once');

select * from finish();
rollback;
