begin;
select plan(5);

select pgflow_tests.flow_root_fanout();
update pgflow.flows set opt_max_attempts = 2 where flow_slug = 'root';
select run_id as run from pgflow.start_flow('root', '[1, 2, 3]') \gset
select count(*) from pgflow_tests.poll('root');

select results_eq(
  format($$ select task_index, status, error_message from pgflow.fail_tasks(array[%1$L, %1$L]::uuid[], array['items', 'items'],
                                                         array[2, 0], array['two', 'zero']) order by task_index $$, :'run'),
  $$ values (0, 'queued', 'zero'), (2, 'queued', 'two') $$, 'each failed task with attempts left is queued for a retry');
select is((pgflow_tests.run(:'run')).status, 'started', 'the run goes on');

update pgflow.step_tasks set visible_at = now() where run_id = :'run';
select count(*) from pgflow_tests.poll('root');
select is((select count(*)::int from pgflow.fail_tasks(array[:'run']::uuid[], array['items'], array[0], array['zero again'])), 1,
  'the last attempt fails');
select row_eq(format($$ select status, error_message from pgflow.step_states where run_id = %L and step_slug = 'items' $$, :'run'),
  row('failed'::text, '1 of 3 tasks failed; first error (task 0): zero again'::text), 'its step fails with the task''s error');
select results_eq(format($$ select task_index, status from pgflow.step_tasks where run_id = %L order by task_index $$, :'run'),
  $$ values (0, 'failed'), (1, 'cancelled'), (2, 'cancelled') $$, 'the run''s other tasks are cancelled');

select * from finish();
rollback;
