begin;
select plan(3);

select pgflow_tests.flow_chain();
select is(
  (pgflow.start_flow('chain', '{}', '11111111-1111-1111-1111-111111111111')).run_id,
  '11111111-1111-1111-1111-111111111111'::uuid,
  'the given run id is used');
select throws_ok(
  $$ select pgflow.start_flow('chain', '{}', '11111111-1111-1111-1111-111111111111') $$,
  '23505', 'run 11111111-1111-1111-1111-111111111111 already exists',
  'a run id cannot be used twice');
select is((select count(*)::int from pgflow.runs), 1, 'the refused start wrote nothing');

select * from finish();
rollback;
