begin;
select plan(7);

select lives_ok($$ select pgflow_tests.exec_as('pgflow_admin',
  'select pgflow.create_flow(''adm''); select pgflow.add_step(''adm'', ''only'')') $$,
  'pgflow_admin defines flows');
select is(
  (select count(*)::int from pgflow_tests.as_role('pgflow_admin',
     $$ select * from pgflow.start_flow('adm', '{}', run_id => '00000000-0000-0000-0000-0000000000ad') $$)),
  1, 'pgflow_admin starts runs');
select is(
  (select count(*)::int from pgflow_tests.as_role('pgflow_admin', $$ select * from pgflow.runs where flow_slug = 'adm' $$)),
  1, 'and reads them');
select is(
  (select value ->> 'status' from pgflow_tests.as_role('pgflow_admin',
     $$ select status from pgflow.cancel_run('00000000-0000-0000-0000-0000000000ad') $$) value),
  'cancelled', 'and cancels them');
select is(
  (select count(*)::int from pgflow_tests.as_role('pgflow_admin',
     $$ select * from pgflow.verify_run('00000000-0000-0000-0000-0000000000ad') $$)),
  0, 'and verifies them');
select is(
  (select value ->> 'status' from pgflow_tests.as_role('pgflow_admin',
     $$ select status from pgflow.redrive_run('00000000-0000-0000-0000-0000000000ad') $$) value),
  'started', 'and redrives them');
select throws_ok($$ select pgflow_tests.exec_as('pgflow_admin', 'create table pgflow.mine (id int)') $$,
  '42501', null, 'pgflow_admin cannot create objects in the schema either');

select * from finish();
rollback;
