begin;
select plan(8);

select pgflow.create_flow('resume', run_timeout => 60);
select pgflow.add_step('resume', 'list');
select pgflow.add_step('resume', 'each', array['list'], step_type => 'fanout');
select pgflow.add_step('resume', 'done', array['each']);

-- Cancelled while its fan-out ran: one item completed, one running, one queued.
select run_id as cancelled from pgflow.start_flow('resume', '{}') \gset
select pgflow.complete_task(:'cancelled', 'list', 0, '[1, 2, 3]') from pgflow_tests.poll('resume', 1);
select pgflow.complete_task(:'cancelled', 'each', t.task_index, '"one"') from pgflow_tests.poll('resume', 1) t;
select count(*) from pgflow_tests.poll('resume', 1);
select pgflow.cancel_run(:'cancelled');
select is((pgflow.redrive_run(:'cancelled')).status, 'started', 'a cancelled run can be redriven');
select results_eq(format($$ select step_slug, status from pgflow.step_states where run_id = %L order by 1 $$, :'cancelled'),
  $$ values ('done', 'created'), ('each', 'started'), ('list', 'completed') $$,
  'a cancelled step with tasks starts again; one that had not started waits for its dependencies again');
select is((select count(*)::int from pgflow_tests.poll('resume')), 2, 'its two unfinished items run again');

-- Timed out (run_timeout): the redrive restarts its clock.
select run_id as timed_out from pgflow.start_flow('resume', '{}') \gset
update pgflow.runs set started_at = now() - interval '61 seconds' where run_id = :'timed_out';
select is(pgflow.enforce_deadlines(), 1, 'the run times out');
select row_eq(format($$ select status, redrive_count from pgflow.redrive_run(%L) $$, :'timed_out'),
  row('started'::text, 1), 'a timed-out run can be redriven');
select is(pgflow.enforce_deadlines(), 0, 'its deadline counts from the redrive, so it is not failed again at once');
select is((select step_slug from pgflow_tests.poll('resume') where run_id = :'timed_out'), 'list',
  'its root step, cancelled by the timeout, runs again');

select run_id as running from pgflow.start_flow('resume', '{}') \gset
select throws_ok(format($$ select pgflow.redrive_run(%L) $$, :'running'), '55000',
  format('run %s is started; only a failed or cancelled run can be redriven', :'running'), 'a started run is refused');

select * from finish();
rollback;
