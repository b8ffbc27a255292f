begin;
select plan(4);

-- A shape as pgflow 0.14's DSL exports it: every field present, conditions left undefined,
-- options pgflow compares or not.
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
select is(pgflow.ensure_flow_compiled('gated', '{"steps": [{"slug": "a", "whenUnmet": "skip",
    "forbiddenInputPattern": {"defined": true, "value": {"skip": true}}}]}') ->> 'status', 'compiled',
  'a shape with a condition loads with it');

select * from finish();
rollback;
