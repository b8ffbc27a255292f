begin;
select plan(8);

select pgflow_tests.flow_fanout();
select run_id as run from pgflow.start_flow('fan', '{}') \gset
select pgflow.complete_task(:'run', 'list', 0, '[1, 2, 3, 4]') from pgflow_tests.poll('fan');
-- Two tasks running, one completed, one still queued.
select count(*) from pgflow_tests.poll('fan', 3);
select pgflow.complete_task(:'run', 'fetch', 0, '"done"');

select row_eq(format($$ select status, cancelled_at is not null from pgflow.cancel_run(%L) $$, :'run'),
  row('cancelled'::text, true), 'cancel_run returns the run, cancelled');
select results_eq(
  format($$ select task_index, status from pgflow.step_tasks where run_id = %L and step_slug = 'fetch' order by task_index $$, :'run'),
  $$ values (0, 'completed'), (1, 'cancelled'), (2, 'cancelled'), (3, 'cancelled') $$,
  'queued and started tasks are cancelled; completed ones stay');
select results_eq(
  format($$ select step_slug::text, status from pgflow.step_states where run_id = %L order by step_slug $$, :'run'),
  $$ values ('fetch', 'cancelled'), ('list', 'completed'), ('save', 'cancelled') $$,
  'unfinished steps are cancelled; completed ones stay');
select is_empty($$ select * from pgflow.poll_for_tasks('fan', 30, 10, 0) $$, 'nothing of the run can be claimed');

select is_empty(format($$ select * from pgflow.complete_task(%L, 'fetch', 1, '"late"') $$, :'run'),
  'a late completion returns nothing');
select is_empty(format($$ select * from pgflow.fail_task(%L, 'fetch', 2, 'late') $$, :'run'),
  'a late failure returns nothing');
select row_eq(format($$ select status, output from pgflow.runs where run_id = %L $$, :'run'),
  row('cancelled'::text, null::jsonb), 'and the run stays cancelled');

select is((select status from pgflow.cancel_run(:'run')), 'cancelled', 'cancelling again returns the run unchanged');

select * from finish();
rollback;
