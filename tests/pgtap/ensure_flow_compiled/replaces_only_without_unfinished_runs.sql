begin;
select plan(8);

select pgflow_tests.flow_chain();
select run_id as run from pgflow.start_flow('chain', '{}') \gset
create temp table wanted as select '{"steps": [{"slug": "only"}], "options": {"maxAttempts": 9}}'::jsonb as v;

select is(pgflow.ensure_flow_compiled('chain', (select v from wanted), allow_replace => true) ->> 'status', 'mismatch',
  'a flow with an unfinished run is not replaced, even with allow_replace');
select is((select count(*)::int from pgflow.steps where flow_slug = 'chain'), 3, 'its steps are kept');
select is((pgflow_tests.run(:'run')).status, 'started', 'and its run goes on');

select pgflow.cancel_run(:'run');
select is(pgflow.ensure_flow_compiled('chain', (select v from wanted)) ->> 'status', 'mismatch',
  'without allow_replace a finished flow is not replaced either');
select is(pgflow.ensure_flow_compiled('chain', (select v from wanted), allow_replace => true),
  $${"status": "replaced", "differences": ["flow: max_attempts 3 -> 9", "only: not in the stored flow",
      "first: only in the stored flow", "second: only in the stored flow", "third: only in the stored flow"]}$$,
  'with allow_replace and no unfinished run it is replaced, and says what changed');
select is(array(select step_slug::text from pgflow.steps where flow_slug = 'chain'), array['only'], 'the flow has the new steps only');
select is(pgflow.compare_flow_shape('chain', (select v from wanted)) ->> 'status', 'verified', 'and has the new definition');
select is((select count(*)::int from pgflow.runs where flow_slug = 'chain'), 0, 'its finished runs went with the old definition');

select * from finish();
rollback;
