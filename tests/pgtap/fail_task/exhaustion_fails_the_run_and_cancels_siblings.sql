begin;
select plan(8);

select pgflow_tests.flow_fanout(max_attempts => 2, base_delay => 0);
select run_id as run from pgflow.start_flow('fan', '{}') \gset
select pgflow.complete_task(:'run', 'list', 0, '[0, 1, 2, 3]') from pgflow_tests.poll('fan');
select count(*) from pgflow_tests.poll('fan', 2);                -- tasks 0 and 1 started
select pgflow.complete_task(:'run', 'fetch', 0, '"ok"');
select pgflow.fail_task(:'run', 'fetch', 1, 'first failure');    -- retried at once (base_delay 0)
select count(*) from pgflow_tests.poll('fan');                   -- tasks 2, 3 and 1 (attempt 2) started

select row_eq(format($$ select status, attempts_count, error_message from pgflow.fail_task(%L, 'fetch', 1, 'second failure') $$, :'run'),
  row('failed'::text, 2, 'second failure'::text), 'the last attempt fails the task');
select ok((pgflow_tests.task(:'run', 'fetch', 1)).failed_at is not null, 'failed_at is set');
select row_eq(format($$ select status, error_message from pgflow.step_states where run_id = %L and step_slug = 'fetch' $$, :'run'),
  row('failed'::text, '1 of 4 tasks failed; first error (task 1): second failure'::text),
  'the step fails, saying how many of its tasks failed and quoting the first error');
select is((pgflow_tests.run(:'run')).status, 'failed', 'the run fails');
select is((pgflow_tests.run(:'run')).error_message,
  'step ''fetch'' failed: 1 of 4 tasks failed; first error (task 1): second failure', 'the run says which step failed it and why');
select ok((pgflow_tests.run(:'run')).failed_at is not null, 'failed_at is set on the run');
select results_eq(
  format($$ select task_index, status from pgflow.step_tasks where run_id = %L and step_slug = 'fetch' order by task_index $$, :'run'),
  $$ values (0, 'completed'), (1, 'failed'), (2, 'cancelled'), (3, 'cancelled') $$,
  'sibling tasks still queued or running are cancelled; completed ones stay');
select is_empty($$ select * from pgflow_tests.poll('fan') $$, 'nothing of the failed run can be claimed');

select * from finish();
rollback;
