begin;
select plan(5);

-- pgflow's get_run_with_states: {"run": <runs row>, "steps": [<step_states rows>]}, what
-- @pgflow/client reads.
select pgflow_tests.flow_chain();
select run_id as run from pgflow.start_flow('chain', '{"n": 1}') \gset
select pgflow.get_run_with_states(:'run') as states \gset

select is(:'states'::jsonb -> 'run' ->> 'run_id', :'run', 'the run''s row');
select is(:'states'::jsonb -> 'run' -> 'input', '{"n": 1}'::jsonb, 'with its columns by name');
select is((select array_agg(s ->> 'step_slug') from jsonb_array_elements(:'states'::jsonb -> 'steps') s),
  array['first', 'second', 'third'], 'one state per step, in definition order');
select is(:'states'::jsonb -> 'steps' -> 0 ->> 'status', 'started', 'each with its status');
select is(pgflow.get_run_with_states(gen_random_uuid()), null, 'an unknown run gives NULL, as in pgflow');

select * from finish();
rollback;
