begin;
select plan(6);

select pgflow_tests.flow_fanout();
select run_id as run from pgflow.start_flow('fan', '{}') \gset
select * from pgflow_tests.poll('fan');

select lives_ok(format($$ select pgflow.complete_task(%L, 'list', 0, '{"not": "an array"}') $$, :'run'),
  'the worker''s call succeeds: its answer is recorded, not rolled back');
select is((pgflow_tests.task(:'run', 'list')).status, 'completed', 'the task is completed');
select is((pgflow_tests.run(:'run')).status, 'failed', 'the run fails');
select is((pgflow_tests.step(:'run', 'fetch')).status, 'failed', 'the fan-out step fails');
select is((pgflow_tests.step(:'run', 'fetch')).error_message,
  format('fan-out step ''fetch'' of run %s expects the output of step ''list'' to be a JSON array, got object', :'run'),
  'the error names both steps and the JSON type it got');
select is((select count(*)::int from pgflow.step_tasks where run_id = :'run' and step_slug = 'fetch'), 0, 'no fan-out task exists');

select * from finish();
rollback;
