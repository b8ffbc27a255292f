begin;
select plan(6);

select pgflow_tests.flow_fanout();
select run_id as run from pgflow.start_flow('fan', '{}') \gset

select throws_ok(format('select pgflow.spawn_fanout_tasks(%L, %L)', :'run', 'list'), '22023',
  format('step ''list'' of run %s is not a fan-out step', :'run'), 'a single step');
select throws_ok(format('select pgflow.spawn_fanout_tasks(%L, %L)', :'run', 'fetch'), '55000',
  format('fan-out step ''fetch'' of run %s is created, not started', :'run'), 'a fan-out whose dependency is not done');
select throws_ok(format('select pgflow.spawn_fanout_tasks(%L, %L)', :'run', 'nope'), 'P0002',
  format('run %s has no step ''nope''', :'run'), 'an unknown step');
select throws_ok($$ select pgflow.spawn_fanout_tasks('00000000-0000-0000-0000-000000000000', 'fetch') $$, 'P0002',
  'run 00000000-0000-0000-0000-000000000000 does not exist', 'an unknown run');

update pgflow.step_states set status = 'completed', output = '{"not": "array"}' where run_id = :'run' and step_slug = 'list';
update pgflow.step_states set status = 'started', remaining_deps = 0 where run_id = :'run' and step_slug = 'fetch';
select throws_ok(format('select pgflow.spawn_fanout_tasks(%L, %L)', :'run', 'fetch'), '22023',
  format('fan-out step ''fetch'' of run %s expects the output of step ''list'' to be a JSON array, got object', :'run'),
  'a dependency output that is not an array');
select is((select count(*)::int from pgflow.step_tasks where run_id = :'run' and step_slug = 'fetch'), 0, 'no task was created');

select * from finish();
rollback;
