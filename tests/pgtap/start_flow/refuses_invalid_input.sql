begin;
select plan(6);

select pgflow_tests.flow_root_fanout();
select throws_ok($$ select pgflow.start_flow('root', '{"not": "an array"}') $$, '22023',
  'step ''items'' of flow ''root'' fans out over the run input, which must be a JSON array, got object',
  'a root fan-out refuses an object input');
select throws_ok($$ select pgflow.start_flow('root', '"text"') $$, '22023',
  'step ''items'' of flow ''root'' fans out over the run input, which must be a JSON array, got string',
  'and a string');
select throws_ok($$ select pgflow.start_flow('missing', '{}') $$, '42704',
  'flow ''missing'' does not exist', 'unknown flow');
select throws_ok($$ select pgflow.start_flow('root', null) $$, '22004',
  'pgflow.start_flow: input must not be null', 'null input');
select throws_ok($$ select pgflow.start_flow(null, '[]') $$, '22004',
  'pgflow.start_flow: flow_slug must not be null', 'null flow');
select is((select count(*)::int from pgflow.runs) + (select count(*)::int from pgflow.step_states)
          + (select count(*)::int from pgflow.step_tasks), 0, 'no run, state or task was created');

select * from finish();
rollback;
