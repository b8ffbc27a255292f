begin;
select plan(3);

-- 5,000 finished tasks, plans made while the tables were empty.
truncate pgflow.step_tasks, pgflow.step_states, pgflow.runs cascade;
analyze pgflow.step_tasks;
select pgflow_tests.flow_root_fanout();
select run_id as small from pgflow.start_flow('root', '[0]') \gset
select * from pgflow.read_results(:'small', 'items');
select run_id as run from pgflow.start_flow('root', (select jsonb_agg(i) from generate_series(1, 5000) i)) \gset
select pgflow_tests.drain_fanout('root');

create function pg_temp.tasks_read() returns bigint language sql as $$
  select pg_stat_get_xact_tuples_fetched('pgflow.step_tasks'::regclass)
       + pg_stat_get_xact_tuples_returned('pgflow.step_tasks'::regclass)
$$;
select seq as late_cursor from pgflow.read_results(:'run', 'items', 0, 5000) order by seq offset 4979 limit 1 \gset

select pg_temp.tasks_read() as before \gset
select count(*) from pgflow.read_results(:'run', 'items', 0, 10);
select pg_temp.tasks_read() - :before as first_page \gset
select pg_temp.tasks_read() as before \gset
select count(*) from pgflow.read_results(:'run', 'items', :late_cursor, 10);
select pg_temp.tasks_read() - :before as late_page \gset

select cmp_ok(:first_page::bigint, '<=', 10::bigint, 'the first page of ten reads ten tasks');
select cmp_ok(:late_page::bigint, '<=', 10::bigint, 'a page near item 5,000 reads ten tasks too');
select is((select array_agg(task_index order by seq) from pgflow.read_results(:'run', 'items', :late_cursor, 3))
          = (select array_agg(task_index order by seq) from (
               select task_index, seq from pgflow.read_results(:'run', 'items', 0, 5000) order by seq offset 4980 limit 3) s),
          true, 'and it is the page that follows its cursor');

select * from finish();
rollback;
