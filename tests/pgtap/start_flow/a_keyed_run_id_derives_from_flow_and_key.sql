begin;
select plan(6);

-- A keyed start's run id is the name-based UUID (version 5) of 'flow_slug/run_key' in pgflow's
-- namespace: every start of the key, on any node, makes the same id (uuid-ossp computes it apart).
create extension if not exists "uuid-ossp";
select pgflow_tests.flow_chain();
select run_id as keyed from pgflow.start_flow('chain', '{}', run_key => 'order-7') \gset
select is(:'keyed'::uuid, uuid_generate_v5('85365e5c-8d3b-4c70-8ef3-b71b95835bde', 'chain/order-7'),
  'the run id of a keyed start is uuid v5 of flow and key');
select is((select run_id from pgflow.start_flow('chain', '{}', run_id => uuid_generate_v5('85365e5c-8d3b-4c70-8ef3-b71b95835bde', 'chain/order-7'), run_key => 'order-7')),
  :'keyed'::uuid, 'a start giving that same id with the key finds the run');
select throws_ok($$ select pgflow.start_flow('chain', '{}', run_id => gen_random_uuid(), run_key => 'order-8') $$, '22023',
  null, 'another id with a key is refused');
select is((select count(*)::int from pgflow.runs where run_key = 'order-8'), 0, 'and starts nothing');

-- A keyed run started before 0.11.0 has a random id: a start with its key still finds it.
insert into pgflow.runs (run_id, flow_slug, input, remaining_steps, run_key, root_run_id)
values ('00000000-0000-4000-8000-0000000000aa', 'chain', '{}', 0, 'order-old', '00000000-0000-4000-8000-0000000000aa');
select is((select run_id from pgflow.start_flow('chain', '{}', run_key => 'order-old')),
  '00000000-0000-4000-8000-0000000000aa'::uuid, 'a keyed run with a random id is found by its key');
select is((select count(*)::int from pgflow.runs where run_key = 'order-old'), 1, 'and no second run is made');

select * from finish();
rollback;
