begin;
select plan(4);

select pgflow_tests.flow_fanout();
select run_id as run from pgflow.start_flow('fan', '{}') \gset
select pgflow.complete_task(:'run', 'list', 0, '["a", "b", "c", "d", "e"]') from pgflow_tests.poll('fan');
select count(*) from pgflow_tests.poll('fan');

-- Complete out of order: 3, 0, 4, 1, 2; task 1 answers JSON null.
select pgflow.complete_task(:'run', 'fetch', 3, '"D"');
select pgflow.complete_task(:'run', 'fetch', 0, '"A"');
select pgflow.complete_task(:'run', 'fetch', 4, '{"e": 5}');
select is((pgflow_tests.step(:'run', 'fetch')).remaining_tasks, 2, 'each completion counts down');
select pgflow.complete_task(:'run', 'fetch', 1, 'null');
select pgflow.complete_task(:'run', 'fetch', 2, '"C"');

select row_eq(format($$ select status, output from pgflow.step_states where run_id = %L and step_slug = 'fetch' $$, :'run'),
  row('completed'::text, '["A", null, "C", "D", {"e": 5}]'::jsonb),
  'the step output is the task outputs in task_index order, null kept');
select is((select input from pgflow_tests.poll('fan')),
  '{"run": {}, "fetch": ["A", null, "C", "D", {"e": 5}]}'::jsonb, 'the dependent receives that array');
select is((pgflow_tests.step(:'run', 'save')).status, 'started', 'and has started');

select * from finish();
rollback;
