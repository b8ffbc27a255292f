begin;
select plan(4);

select pgflow_tests.flow_chain();
select pgflow.start_flow_with_states('chain', '{"n": 2}', '11111111-2222-3333-4444-555555555555') as states \gset

select is(:'states'::jsonb -> 'run' ->> 'run_id', '11111111-2222-3333-4444-555555555555', 'the run, with the id given');
select is((pgflow_tests.run('11111111-2222-3333-4444-555555555555')).status, 'started', 'is started');
select is(jsonb_array_length(:'states'::jsonb -> 'steps'), 3, 'the states of its steps come back');
select is(:'states'::jsonb, pgflow.get_run_with_states('11111111-2222-3333-4444-555555555555'),
  'the same as get_run_with_states');

select * from finish();
rollback;
