begin;
select plan(4);

-- A shape as pgflow 0.14's DSL exports it (../shared/pgflow-flow-shape.md): every field present,
-- conditions left undefined, options pgflow compares or not.
create temp table pgflow_shape as select $${
  "steps": [
    {"slug": "list", "stepType": "single", "dependencies": [], "whenUnmet": "skip", "whenExhausted": "fail",
     "requiredInputPattern": {"defined": false}, "forbiddenInputPattern": {"defined": false},
     "options": {"maxAttempts": 3, "baseDelay": 1, "timeout": 60, "startDelay": 0}},
    {"slug": "fetch", "stepType": "map", "dependencies": ["list"], "whenUnmet": "skip", "whenExhausted": "skip",
     "requiredInputPattern": {"defined": false}, "forbiddenInputPattern": {"defined": false}}
  ],
  "options": {"maxAttempts": 3, "baseDelay": 1, "timeout": 60}
}$$::jsonb as v;

select is(pgflow.ensure_flow_compiled('crawl', (select v from pgflow_shape)) ->> 'status', 'compiled', 'a pgflow shape loads');
select row_eq($$ select step_type, opt_start_delay, when_exhausted from pgflow.steps where step_slug = 'fetch' $$,
  row('fanout'::text, null::int, 'skip'::text), 'with its step types and options');
select is(pgflow.ensure_flow_compiled('crawl', (select v from pgflow_shape)) ->> 'status', 'verified', 'and verifies against itself');
select throws_ok($$ select pgflow.ensure_flow_compiled('gated', '{"steps": [{"slug": "a", "whenUnmet": "skip",
    "forbiddenInputPattern": {"defined": true, "value": {"skip": true}}}]}') $$,
  '22023', 'shape of flow ''gated'': step ''a'': forbiddenInputPattern is a condition, which this version does not run (only {"defined": false} is accepted)',
  'a shape with a condition is refused, naming it, rather than loaded without it');

select * from finish();
rollback;
