begin;
select plan(18);

select pgflow_tests.flow_fanout();
select run_id as run from pgflow.start_flow('fan', '{}') \gset

select is(
  (select count(*)::int from pgflow_tests.as_role('pgflow_worker', $$ select * from pgflow.poll_for_tasks('fan', 30, 10, 0) $$)),
  1, 'pgflow_worker polls');
select is(
  (select count(*)::int from pgflow_tests.as_role('pgflow_worker',
     format($$ select * from pgflow.complete_task(%L, 'list', 0, '[1, 2]') $$, :'run'))),
  1, 'pgflow_worker completes a task');
select is(
  (select count(*)::int from pgflow_tests.as_role('pgflow_worker', $$ select * from pgflow.poll_for_tasks('fan', 30, 10, 0) $$)),
  2, 'and its completion started the next step');
select is(
  (select count(*)::int from pgflow_tests.as_role('pgflow_worker',
     format($$ select * from pgflow.fail_tasks(array[%L]::uuid[], array['fetch'], array[0], array['boom']) $$, :'run'))),
  1, 'pgflow_worker fails a task');

select is(
  (select value ->> 'lease' from pgflow_tests.as_role('pgflow_worker',
     format($$ select pgflow.extend_lease(%L, 'fetch', 1, 60) is not null as lease $$, :'run')) value),
  'true', 'pgflow_worker extends the lease of a task it holds');
select is(
  (select (value ->> 'acted')::int from pgflow_tests.as_role('pgflow_worker', $$ select pgflow.enforce_deadlines() as acted $$) value),
  0, 'and enforces deadlines');
select is(
  (select count(*)::int from pgflow_tests.as_role('pgflow_worker',
     format($$ select * from pgflow.complete_tasks_and_poll(array[%L]::uuid[], array['fetch'], array[1], array['2']::jsonb[], 'fan', 30, 5) $$, :'run'))),
  0, 'pgflow_worker answers and claims in one call');
select throws_ok(format($$ select * from pgflow_tests.as_role('pgflow_worker', %L) $$,
                        format('select pgflow.redrive_run(%L)', :'run')),
  '42501', null, 'but cannot redrive runs');

select throws_ok($$ select * from pgflow_tests.as_role('pgflow_worker', 'select * from pgflow.flows') $$,
  '42501', null, 'pgflow_worker cannot read flow definitions');
select throws_ok($$ select * from pgflow_tests.as_role('pgflow_worker', 'select * from pgflow.step_tasks') $$,
  '42501', null, 'nor the queue');
select throws_ok($$ select pgflow_tests.exec_as('pgflow_worker', 'update pgflow.step_tasks set status = ''completed''') $$,
  '42501', null, 'nor change it by hand');
select throws_ok($$ select * from pgflow_tests.as_role('pgflow_worker', 'select pgflow.create_flow(''mine'')') $$,
  '42501', null, 'pgflow_worker cannot define flows');
select throws_ok($$ select * from pgflow_tests.as_role('pgflow_worker', 'select pgflow.start_flow(''fan'', ''{}'')') $$,
  '42501', null, 'nor start runs');
select throws_ok($$ select pgflow_tests.exec_as('pgflow_worker', 'create table pgflow.mine (id int)') $$,
  '42501', null, 'nor create objects in the schema');
select is(
  (select value ->> 'shape' from pgflow_tests.as_role('pgflow_worker', $$ select pgflow.flow_shape('fan') ->> 'options' as shape $$) value),
  '{"timeout": 60, "baseDelay": 1, "maxAttempts": 3}', 'pgflow_worker reads the shape of its flow');
select is(
  (select value ->> 'status' from pgflow_tests.as_role('pgflow_worker',
     $$ select pgflow.compare_flow_shape('fan', pgflow.flow_shape('fan')) ->> 'status' as status $$) value),
  'verified', 'and compares it with its own');
select throws_ok($$ select * from pgflow_tests.as_role('pgflow_worker', 'select pgflow.ensure_flow_compiled(''fan'', ''{"steps": []}'', true)') $$,
  '42501', null, 'but cannot compile or replace a flow');
select throws_ok($$ select * from pgflow_tests.as_role('pgflow_worker', 'select pgflow.delete_flow(''fan'')') $$,
  '42501', null, 'nor delete one');

select * from finish();
rollback;
