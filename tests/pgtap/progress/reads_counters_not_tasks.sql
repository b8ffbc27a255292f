begin;
select plan(3);

-- One fan-out of 5,000 tasks, ten of them running, with plans made while the tables were empty.
truncate pgflow.step_tasks, pgflow.step_states, pgflow.runs cascade;
analyze pgflow.step_tasks;
select pgflow_tests.flow_root_fanout();
select run_id as run from pgflow.start_flow('root', '[0]') \gset
select * from pgflow.progress(:'run');
select pgflow_tests.drain_fanout('root');
select run_id as big from pgflow.start_flow('root', (select jsonb_agg(i) from generate_series(1, 5000) i)) \gset
select count(*) from pgflow.poll_for_tasks('root', 30, 10, 0);

create function pg_temp.tasks_read() returns bigint language sql as $$
  select pg_stat_get_xact_tuples_fetched('pgflow.step_tasks'::regclass)
       + pg_stat_get_xact_tuples_returned('pgflow.step_tasks'::regclass)
$$;
create function pg_temp.task_seq_scans() returns bigint language sql as $$
  select coalesce(sum(seq_scan), 0)::bigint from pg_stat_xact_user_tables
  where schemaname = 'pgflow' and relname = 'step_tasks'
$$;
select pg_temp.tasks_read() as before, pg_temp.task_seq_scans() as scans_before \gset
select is((select running from pgflow.progress(:'big') where step_slug = 'items'), 10, 'ten tasks are running');
-- The counters hold everything else; only the flow's leased tasks are read (at most 11 here,
-- the other run's one included when it is claimed).
select cmp_ok(pg_temp.tasks_read() - :before, '<=', 11::bigint,
  'progress of a 5,000-task fan-out reads no more tasks than are running');
select is(pg_temp.task_seq_scans() - :scans_before, 0::bigint, 'and scans no task sequentially');

select * from finish();
rollback;
