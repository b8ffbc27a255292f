begin;
select plan(7);

select pgflow.create_flow('retry', max_attempts => 3, base_delay => 10);
select pgflow.add_step('retry', 'flaky');
select pgflow.add_step('retry', 'patient', max_attempts => 4, base_delay => 1);
select run_id as run from pgflow.start_flow('retry', '{}') \gset
select count(*) from pgflow_tests.poll('retry');

select row_eq(format($$ select status, error_message, attempts_count from pgflow.fail_task(%L, 'flaky', 0, 'timeout') $$, :'run'),
  row('queued'::text, 'timeout'::text, 1), 'a failed attempt with attempts left goes back to the queue');
select ok((pgflow_tests.task(:'run', 'flaky')).visible_at between clock_timestamp() + interval '9 seconds'
                                                            and clock_timestamp() + interval '10 seconds',
  'after base_delay * 2^0 = 10 s (flow option)');
select is_empty($$ select * from pgflow_tests.poll('retry') $$, 'it is not claimable during the backoff');

update pgflow.step_tasks set visible_at = now() where run_id = :'run' and step_slug = 'flaky';
select is((select count(*)::int from pgflow_tests.poll('retry')), 1, 'after the backoff it is claimed again');
select pgflow.fail_task(:'run', 'flaky', 0, 'timeout again');
select ok((pgflow_tests.task(:'run', 'flaky')).visible_at between clock_timestamp() + interval '19 seconds'
                                                            and clock_timestamp() + interval '20 seconds',
  'the second retry waits base_delay * 2^1 = 20 s');

select pgflow.fail_task(:'run', 'patient', 0, 'nope');
select ok((pgflow_tests.task(:'run', 'patient')).visible_at between clock_timestamp()
                                                              and clock_timestamp() + interval '1 second',
  'a step''s own base_delay overrides the flow''s');
select is((pgflow_tests.run(:'run')).status, 'started', 'retries do not touch the run');

select * from finish();
rollback;
