begin;
select plan(3);

-- fail_fast: the first failure fails the run and cancels the other tasks; redriving it queues
-- the failed and cancelled tasks again, and their new results come after the cursor.
select pgflow_tests.flow_items();
select run_id as run from pgflow.start_flow('items', '[0, 1, 2]') \gset
select count(*) from pgflow.poll_for_tasks('items', 30, 100, 0);
select pgflow.complete_task(:'run', 'items', 0, '0');
select pgflow.fail_task(:'run', 'items', 1, 'broken');
select is(array(select format('%s %s', task_index, status) from pgflow.read_results(:'run', 'items') order by seq),
          array['0 completed', '1 failed', '2 cancelled'], 'a completion, the failure, then the task it cancelled');
select max(seq) as cursor from pgflow.read_results(:'run', 'items') \gset

select status from pgflow.redrive_run(:'run');
select pgflow_tests.answer_items('items');
select is(array(select format('%s %s', task_index, status) from pgflow.read_results(:'run', 'items', :cursor) order by task_index),
          array['1 completed', '2 completed'], 'after a redrive, the tasks that ran again come after the cursor');
select is((select count(*)::int from pgflow.read_results(:'run', 'items')), 3, 'and each task is listed once, with its latest result');

select * from finish();
rollback;
