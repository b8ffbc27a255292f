begin;
select plan(4);

-- fail_fast is the default: the first task out of attempts fails the step and the run.
select pgflow_tests.flow_items();
select run_id as run from pgflow.start_flow('items', '[0, 1, 2, 3]') \gset
select count(*) from pgflow.poll_for_tasks('items', 30, 4, 0);
select pgflow.complete_task(:'run', 'items', 0, '0');
select pgflow.fail_tasks(array[:'run', :'run']::uuid[], array['items', 'items'], array[3, 1],
                         array['three broke', 'one broke']);

select row_eq(format($$ select status, completed_tasks, failed_tasks from pgflow.step_states
                        where run_id = %L and step_slug = 'items' $$, :'run'),
  row('failed'::text, 1, 2), 'both failures of the batch are counted');
select is((pgflow_tests.run(:'run')).error_message,
  'step ''items'' failed: 2 of 4 tasks failed; first error (task 1): one broke',
  'the run fails once, naming the step, how many of N failed and the first error (lowest index of the batch)');
select is((pgflow_tests.task(:'run', 'items', 2)).status, 'cancelled', 'the running task is cancelled');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'run'), 'the run is consistent');

select * from finish();
rollback;
