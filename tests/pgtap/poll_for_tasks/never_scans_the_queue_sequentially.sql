begin;
select plan(3);

-- The plans are made here while the queue holds one task and its statistics say it is empty (the
-- state after a fresh install, or a truncate and vacuum), in which a planner prefers a sequential
-- scan; they are kept while the queue fills up.
truncate pgflow.step_tasks;
analyze pgflow.step_tasks;
select pgflow_tests.flow_root_fanout();
select run_id as first from pgflow.start_flow('root', '[1]') \gset
select count(*) from (select pgflow.complete_task(t.run_id, t.step_slug, t.task_index, '1') from pgflow_tests.poll('root', 1) t) c;
select count(*) from (select pgflow.fail_task(t.run_id, t.step_slug, t.task_index, 'x') from pgflow_tests.poll('root', 1) t) f;
select count(*) from pgflow.complete_tasks(array[:'first']::uuid[], array['items'], array[0], array['1']::jsonb[]);
select run_id as run from pgflow.start_flow('root', (select jsonb_agg(i) from generate_series(1, 3000) i)) \gset

-- Sequential scans of the queue table made by this transaction so far.
create function pg_temp.seq_scans() returns bigint language sql as $$
  select pg_stat_get_xact_numscans('pgflow.step_tasks'::regclass)
$$;

select pg_temp.seq_scans() as before \gset
select count(*) from (select pgflow.complete_task(t.run_id, t.step_slug, t.task_index, '1') from pgflow_tests.poll('root', 1) t) c;
select count(*) from (select pgflow.complete_task(t.run_id, t.step_slug, t.task_index, '1') from pgflow_tests.poll('root', 1) t) c;
select is(pg_temp.seq_scans() - :before, 0::bigint, 'claiming and completing one task at a time reads no table sequentially');

select pg_temp.seq_scans() as before \gset
create temp table batch as select * from pgflow_tests.poll('root', 50);
select count(*) from pgflow.complete_tasks(
  (select array_agg(run_id) from batch), (select array_agg(step_slug) from batch),
  (select array_agg(task_index) from batch), array_fill('1'::jsonb, array[50]));
select is(pg_temp.seq_scans() - :before, 0::bigint, 'claiming and completing a batch reads no table sequentially');

select pg_temp.seq_scans() as before \gset
select count(*) from (select pgflow.fail_task(t.run_id, t.step_slug, t.task_index, 'x') from pgflow_tests.poll('root', 1) t) f;
select is(pg_temp.seq_scans() - :before, 0::bigint, 'failing a task reads no table sequentially');

select * from finish();
rollback;
