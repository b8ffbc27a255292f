begin;
select plan(7);

select pgflow_tests.flow_root_fanout();
select run_id as low from pgflow.start_flow('root', '[1, 2, 3]') \gset
select run_id as high from pgflow.start_flow('root', '[4, 5]', priority => 10) \gset
select run_id as negative from pgflow.start_flow('root', '[6]', priority => -1) \gset

select is((pgflow_tests.run(:'high')).priority, 10, 'start_flow records the priority on the run');
select is((pgflow_tests.run(:'low')).priority, 0, 'which is 0 by default');
select results_eq(format($$ select distinct priority from pgflow.step_tasks where run_id = %L $$, :'high'),
  $$ values (10) $$, 'and on each of its tasks');

select results_eq($$ select run_id, task_index from pgflow_tests.poll('root', 3) order by 1, 2 $$,
  format($$ values (%L::uuid, 0), (%L::uuid, 1), (%L::uuid, 0) $$, :'high', :'high', :'low')
    || ' order by 1, 2',
  'a claim takes the higher-priority run''s tasks first, then the oldest of the others');
select results_eq($$ select run_id, task_index from pgflow_tests.poll('root', 10) order by 1, 2 $$,
  format($$ values (%L::uuid, 1), (%L::uuid, 2), (%L::uuid, 0) $$, :'low', :'low', :'negative')
    || ' order by 1, 2',
  'lower priorities, negative ones included, come when nothing above them is left');

-- A retry keeps its run's priority.
select pgflow.fail_task(:'high', 'items', 0, 'try again');
update pgflow.step_tasks set visible_at = now() - interval '1 second' where run_id = :'high' and task_index = 0;
select run_id as default_run from pgflow.start_flow('root', '[7]') \gset
select results_eq($$ select run_id, task_index from pgflow_tests.poll('root', 1) $$,
  format($$ values (%L::uuid, 0) $$, :'high'), 'a retried task keeps its run''s priority');

select throws_ok($$ select pgflow.start_flow('root', '[1]', priority => null) $$, '22004',
  'pgflow.start_flow: priority must not be null', 'a NULL priority is refused');

select * from finish();
rollback;
