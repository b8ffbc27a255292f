begin;
select plan(7);

select pgflow_tests.flow_chain();
select pgflow_tests.flow_diamond();
select run_id as first from pgflow.start_flow('chain', '{"n": 1}', run_key => 'order-42') \gset

select is((select run_id from pgflow.start_flow('chain', '{"n": 2}', run_key => 'order-42')), :'first'::uuid,
  'a second start with the same key returns the first run');
select is((select count(*)::int from pgflow.runs where flow_slug = 'chain'), 1, 'and creates no run');
select is((select count(*)::int from pgflow.step_tasks where run_id = :'first'), 1, 'nor any task');
select is((pgflow_tests.run(:'first')).input, '{"n": 1}'::jsonb, 'the first run keeps its input');

select isnt((select run_id from pgflow.start_flow('chain', '{}', run_key => 'order-43')), :'first'::uuid,
  'another key starts another run');
select isnt((select run_id from pgflow.start_flow('diamond', '{}', run_key => 'order-42')), :'first'::uuid,
  'keys are per flow');

select throws_ok($$ select pgflow.start_flow('chain', '{}', run_key => '') $$, '22023',
  'start_flow on flow ''chain'': run_key must not be empty (NULL means no key)', 'an empty key is refused');

select * from finish();
rollback;
