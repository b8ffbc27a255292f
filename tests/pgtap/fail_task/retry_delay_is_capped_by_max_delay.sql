begin;
select plan(4);

select pgflow.create_flow('capped', max_attempts => 10, base_delay => 2147483647);
select pgflow.add_step('capped', 'flow_cap');
select pgflow.add_step('capped', 'step_cap', max_delay => 7);
select pgflow.add_step('capped', 'doubling', base_delay => 5, max_delay => 30);
select run_id as run from pgflow.start_flow('capped', '{}') \gset
select count(*) from pgflow_tests.poll('capped');

select pgflow.fail_task(:'run', 'flow_cap', 0, 'no');
select ok((pgflow_tests.task(:'run', 'flow_cap')).visible_at
            between clock_timestamp() + interval '299 seconds' and clock_timestamp() + interval '300 seconds',
  'a huge base_delay waits the flow''s max_delay (300 s by default), not decades');
select pgflow.fail_task(:'run', 'step_cap', 0, 'no');
select ok((pgflow_tests.task(:'run', 'step_cap')).visible_at
            between clock_timestamp() + interval '6 seconds' and clock_timestamp() + interval '7 seconds',
  'a step''s max_delay overrides the flow''s');

-- 5 * 2^(attempt - 1): 5, 10, 20, then 40 capped at 30. Each retry is made due at once, claimed
-- and failed again.
create function pg_temp.fail_doubling_again(run uuid) returns void language sql as $$
  update pgflow.step_tasks set visible_at = now() where run_id = run and step_slug = 'doubling';
  select count(*) from pgflow_tests.poll('capped');
  select count(*) from pgflow.fail_task(run, 'doubling', 0, 'no');
$$;
select pgflow.fail_task(:'run', 'doubling', 0, 'no');
select pg_temp.fail_doubling_again(:'run');
select pg_temp.fail_doubling_again(:'run');
select ok((pgflow_tests.task(:'run', 'doubling')).visible_at
            between clock_timestamp() + interval '19 seconds' and clock_timestamp() + interval '20 seconds',
  'below the cap the delay doubles (third failure: 20 s)');
select pg_temp.fail_doubling_again(:'run');
select ok((pgflow_tests.task(:'run', 'doubling')).visible_at
            between clock_timestamp() + interval '29 seconds' and clock_timestamp() + interval '30 seconds',
  'min(base_delay * 2^(attempts - 1), max_delay): the fourth waits 30 s, not 40');

select * from finish();
rollback;
