begin;
select plan(5);

select pgflow_tests.flow_fanout();
select run_id as run from pgflow.start_flow('fan', '{}') \gset
select pgflow.complete_task(:'run', 'list', 0, '[1, 2, 3]') from pgflow_tests.poll('fan');
select pgflow.complete_task(:'run', 'fetch', 1, '"one"') from pgflow_tests.poll('fan', 3);

update pgflow.step_states set remaining_tasks = 7 where run_id = :'run' and step_slug = 'fetch';
select results_eq(format($$ select * from pgflow.verify_run(%L) $$, :'run'),
  $$ values ('step fetch', 'remaining_tasks', '7', '2') $$, 'a wrong task counter is reported');

update pgflow.step_states set remaining_tasks = 2, remaining_deps = 1 where run_id = :'run' and step_slug = 'fetch';
update pgflow.runs set remaining_steps = 5 where run_id = :'run';
select results_eq(format($$ select * from pgflow.verify_run(%L) order by 1, 2 $$, :'run'),
  $$ values ('run', 'remaining_steps', '5', '2'), ('step fetch', 'remaining_deps', '1', '0') $$,
  'wrong step and dependency counters are reported');

update pgflow.step_states set remaining_deps = 0 where run_id = :'run' and step_slug = 'fetch';
update pgflow.runs set remaining_steps = 2 where run_id = :'run';
update pgflow.runs set status = 'failed' where run_id = :'run';
select results_eq(format($$ select * from pgflow.verify_run(%L) $$, :'run'),
  $$ values ('run', 'status', 'failed', 'no task queued or started once the run has ended') $$,
  'live tasks of an ended run are reported');

update pgflow.runs set status = 'started' where run_id = :'run';
update pgflow.step_states set output = '["wrong"]', status = 'completed' where run_id = :'run' and step_slug = 'list';
select results_eq(format($$ select * from pgflow.verify_run(%L) $$, :'run'),
  $$ values ('step list', 'output', '["wrong"]', '[1, 2, 3]') $$,
  'a step output that is not its task''s is reported');

select throws_ok($$ select * from pgflow.verify_run('00000000-0000-0000-0000-000000000001') $$, 'P0002',
  'run 00000000-0000-0000-0000-000000000001 does not exist', 'an unknown run is refused');

select * from finish();
rollback;
