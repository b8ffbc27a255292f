begin;
select plan(3);

select pgflow_tests.flow_fanout();
select run_id as run from pgflow.start_flow('fan', '{"urls": 3}') \gset
select pgflow.complete_task(:'run', 'list', 0, '[1, 2, 3]') from pgflow_tests.poll('fan');
select is(pgflow_tests.drain_fanout('fan'), 4, 'three fan-out tasks and the save step were completed');
select is((pgflow_tests.step(:'run', 'fetch')).output, '[{"done": 1}, {"done": 2}, {"done": 3}]'::jsonb,
  'the fan-out output is ordered');
select row_eq(format('select status, output from pgflow.runs where run_id = %L', :'run'),
  row('completed'::text, '{"save": {"done": null}}'::jsonb), 'the run completes');

select * from finish();
rollback;
