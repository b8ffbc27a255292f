begin;
select plan(3);

-- Many runs and tasks, a few of them with deadlines, plans made while the tables were empty.
truncate pgflow.step_tasks, pgflow.step_states, pgflow.runs cascade;
analyze pgflow.step_tasks;
analyze pgflow.step_states;
analyze pgflow.runs;
select pgflow_tests.flow_items('collect_all', fanout_timeout => 600);
select pgflow.create_flow('timed', run_timeout => 600);
select pgflow.add_step('timed', 'only');
select pgflow.enforce_deadlines();
select count(*) from pgflow.poll_for_tasks('items', 30, 1, 0);
select count(*) from (select pgflow.start_flow('items', (select jsonb_agg(i) from generate_series(1, 100) i))
                        from generate_series(1, 30)) s;
select count(*) from (select pgflow.start_flow('timed', '{}') from generate_series(1, 30)) s;

create function pg_temp.seq_scans() returns bigint language sql as $$
  select coalesce(sum(seq_scan), 0)::bigint from pg_stat_xact_user_tables
  where schemaname = 'pgflow' and relname in ('runs', 'step_states', 'step_tasks')
$$;
select pg_temp.seq_scans() as before \gset
select pg_stat_get_xact_tuples_fetched('pgflow.step_tasks'::regclass)
     + pg_stat_get_xact_tuples_returned('pgflow.step_tasks'::regclass) as tasks_read \gset
select is(pgflow.enforce_deadlines(), 0, 'no deadline is due');
select is(pg_stat_get_xact_tuples_fetched('pgflow.step_tasks'::regclass)
          + pg_stat_get_xact_tuples_returned('pgflow.step_tasks'::regclass) - :tasks_read, 0::bigint,
  'finding that out reads no task');
select is(pg_temp.seq_scans() - :before, 0::bigint, 'and scans no run, step state or task sequentially');

select * from finish();
rollback;
