begin;
select plan(6);

select pgflow_tests.flow_chain();
select run_id as run from pgflow.start_flow('chain', '{"n": 1}') \gset

select results_eq(
  $$ select flow_slug, step_slug, task_index, input from pgflow.poll_for_tasks('chain', 60, 10, 0) $$,
  $$ values ('chain', 'first', 0, '{"run": {"n": 1}}'::jsonb) $$,
  'the ready task is claimed with its payload');
select row_eq(
  format($$ select status, attempts_count from pgflow.step_tasks where run_id = %L and step_slug = 'first' $$, :'run'),
  row('started'::text, 1), 'claiming starts the task and counts an attempt');
select ok((pgflow_tests.task(:'run', 'first')).visible_at between clock_timestamp() + interval '55 seconds'
                                                           and clock_timestamp() + interval '60 seconds',
  'the task is hidden for the lease (vt seconds)');
select ok((pgflow_tests.task(:'run', 'first')).started_at is not null, 'started_at is set');
select is_empty($$ select * from pgflow.poll_for_tasks('chain', 60, 10, 0) $$, 'a leased task is not claimed again');
select is_empty($$ select * from pgflow.poll_for_tasks('other_flow', 60, 10, 0) $$, 'the queue is the flow slug');

select * from finish();
rollback;
