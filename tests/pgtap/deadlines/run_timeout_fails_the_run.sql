begin;
select plan(6);

select pgflow.create_flow('slow', run_timeout => 120);
select pgflow.add_step('slow', 'list');
select pgflow.add_step('slow', 'each', array['list'], step_type => 'fanout');
select run_id as run from pgflow.start_flow('slow', '{}') \gset
select run_id as fresh from pgflow.start_flow('slow', '{}') \gset
select pgflow.complete_task(:'run', 'list', 0, '[1, 2, 3]') from pgflow_tests.poll('slow', 1);
select count(*) from pgflow_tests.poll('slow', 2);

update pgflow.runs set started_at = now() - interval '121 seconds' where run_id = :'run';
select is(pgflow.enforce_deadlines(), 1, 'one run is past its deadline');
select row_eq(format($$ select status, error_message from pgflow.runs where run_id = %L $$, :'run'),
  row('failed'::text, 'timed out: the run did not finish within 120 s of its start (run_timeout)'::text),
  'it fails, with a message saying so');
select is_empty(format($$ select * from pgflow.step_tasks where run_id = %L and status in ('queued', 'started') $$, :'run'),
  'its tasks are cancelled');
select results_eq(format($$ select step_slug, status from pgflow.step_states where run_id = %L order by 1 $$, :'run'),
  $$ values ('each', 'cancelled'), ('list', 'completed') $$, 'and its unfinished steps');
select is((pgflow_tests.run(:'fresh')).status, 'started', 'a run within its deadline carries on');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'run'), 'the run is consistent');

select * from finish();
rollback;
