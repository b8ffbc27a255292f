begin;
select plan(4);

-- A worker answers a task whose lease ran out before anyone requeued it: the answer stands, as it
-- would through complete_tasks. The call's own turn to requeue expired leases (every look in one
-- transaction has it) must not take the task back first: the call holds the task's row, and
-- SKIP LOCKED skips only others' locks.
select pgflow_tests.flow_root_fanout();
select run_id as run from pgflow.start_flow('root', '[1, 2, 3]') \gset
-- A lease of 0 seconds: expired as soon as it is taken.
select count(*) from pgflow.poll_for_tasks('root', 0, 1, 0, 100, 'aaaaaaaa-0000-4000-8000-000000000001');

select is((select array_agg(task_index order by task_index) from pgflow.complete_tasks_and_poll(
    array[:'run']::uuid[], array['items'], array[0], array['"late"']::jsonb[], 'root', 30, 5,
    'aaaaaaaa-0000-4000-8000-000000000001')),
  array[1, 2], 'the call claims the other tasks');
select is((pgflow_tests.task(:'run', 'items', 0)).status, 'completed', 'the late answer completed its task');
select is((pgflow_tests.task(:'run', 'items', 0)).output, '"late"', 'with its output');
select is((select attempts_count from pgflow.step_tasks where run_id = :'run' and step_slug = 'items' and task_index = 0), 1,
  'and the task was not requeued for another attempt');

select * from finish();
rollback;
