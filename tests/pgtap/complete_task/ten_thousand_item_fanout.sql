begin;
select plan(5);

select pgflow_tests.flow_fanout();
select run_id as run from pgflow.start_flow('fan', '{}') \gset
select pgflow.complete_task(:'run', 'list', 0, (select jsonb_agg(i) from generate_series(0, 9999) i))
  from pgflow_tests.poll('fan');

select is((pgflow_tests.step(:'run', 'fetch')).initial_tasks, 10000, '10,000 tasks were spawned');
select is(pgflow_tests.drain_fanout('fan', 500), 10001, 'a SQL worker loop completes all of them and the save step');
select is(jsonb_array_length((pgflow_tests.step(:'run', 'fetch')).output), 10000, 'the output has 10,000 elements');
select is((select count(*)::int
             from jsonb_array_elements((pgflow_tests.step(:'run', 'fetch')).output) with ordinality e(v, i)
            where v <> jsonb_build_object('done', i - 1)), 0, 'in task_index order');
select is((pgflow_tests.run(:'run')).status, 'completed', 'the run completes');

select * from finish();
rollback;
