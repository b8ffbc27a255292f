begin;
select plan(11);

truncate pgflow.step_tasks, pgflow.step_states, pgflow.runs cascade;
select pgflow_tests.flow_fanout(max_attempts => 1);
select pgflow_tests.flow_chain();
-- Run a: its fan-out fails, and so does it. Run b: at its first step, running. Run c: inside its
-- fan-out (waiting on it).
select run_id as a from pgflow.start_flow('fan', '{}') \gset
select pgflow.complete_task(run_id, step_slug, task_index, '[1, 2, 3]') from pgflow.poll_for_tasks('fan', 30, 1, 0);
select pgflow.fail_task(run_id, step_slug, task_index, 'broken') from pgflow.poll_for_tasks('fan', 30, 1, 0);
select run_id as b from pgflow.start_flow('fan', '{}') \gset
select count(*) from pgflow.poll_for_tasks('fan', 30, 1, 0);
select run_id as c from pgflow.start_flow('fan', '{}') \gset
select pgflow.complete_task(run_id, step_slug, task_index, '[1, 2]') from pgflow.poll_for_tasks('fan', 30, 1, 0);

select is((select status from pgflow.runs where run_id = :'a'), 'failed', 'run a failed');
select is((select active_runs from pgflow.stats('fan')), 2::bigint, 'two runs are under way');
select is((select waiting_runs from pgflow.stats('fan')), 1::bigint, 'the run inside an unfinished fan-out is waiting on it');
select is((select active_fanouts from pgflow.stats('fan')), 1::bigint, 'one fan-out is under way');
select is((select queued_tasks from pgflow.stats('fan')), 2::bigint, 'its two tasks are queued');
select is((select running_tasks from pgflow.stats('fan')), 1::bigint, 'b''s list is running');

-- Queue lag: the oldest claimable task has waited a minute.
update pgflow.step_tasks set visible_at = now() - interval '1 minute' where run_id = :'c' and task_index = 0 and step_slug = 'fetch';
select cmp_ok((select oldest_queued_age from pgflow.stats('fan')), '>=', interval '1 minute', 'the queue lag is the oldest claimable task''s wait');

select is(((select completed_last_minute from pgflow.stats('fan')), (select failed_last_minute from pgflow.stats('fan'))),
          (2::bigint, 1::bigint), 'two tasks completed and one failed in the last minute');
select is(((select runs_completed_last_hour from pgflow.stats('fan')), (select runs_failed_last_hour from pgflow.stats('fan'))),
          (0::bigint, 1::bigint), 'one run failed in the last hour');

select is(array(select flow_slug from pgflow.stats()), array['chain', 'fan'], 'without a flow, one row per flow');
select throws_ok($$ select * from pgflow.stats('nope') $$, '42704', 'flow ''nope'' does not exist', 'an unknown flow is refused');

select * from finish();
rollback;
