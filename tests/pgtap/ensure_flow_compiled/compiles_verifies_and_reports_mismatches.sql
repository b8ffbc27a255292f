begin;
select plan(11);

create temp table shape as select $${
  "steps": [
    {"slug": "list", "stepType": "single", "dependencies": []},
    {"slug": "fetch", "stepType": "map", "dependencies": ["list"], "options": {"maxAttempts": 3}}
  ]
}$$::jsonb as v;

select is(pgflow.ensure_flow_compiled('crawl', (select v from shape)), '{"status": "compiled", "differences": []}',
  'a missing flow is created from the shape (an older pgflow shape, with only slug, stepType and dependencies)');
select row_eq($$ select step_type, opt_max_attempts, deps_count from pgflow.steps where step_slug = 'fetch' $$,
  row('fanout'::text, 3, 1), 'map is stored as a fan-out, with its options');
select is(pgflow.ensure_flow_compiled('crawl', (select v from shape)), '{"status": "verified", "differences": []}',
  'the same shape again is verified');
select is(pgflow.compare_flow_shape('crawl', (select v from shape)), '{"status": "verified", "differences": []}',
  'compare_flow_shape says the same');

-- The issue's edit: fetch now depends on seed, with five attempts.
update shape set v = $${
  "steps": [
    {"slug": "list", "stepType": "single", "dependencies": []},
    {"slug": "seed", "stepType": "single", "dependencies": []},
    {"slug": "fetch", "stepType": "map", "dependencies": ["seed"], "options": {"maxAttempts": 5}}
  ],
  "options": {"timeout": 30}
}$$::jsonb;
create temp table before as select pgflow.flow_shape('crawl') as shape;
select is(pgflow.ensure_flow_compiled('crawl', (select v from shape)),
  $${"status": "mismatch", "differences": ["flow: timeout 60 -> 30", "seed: not in the stored flow",
                                          "fetch: deps {list} -> {seed}, max_attempts 3 -> 5"]}$$,
  'a different shape is a mismatch listing each difference');
select is(pgflow.flow_shape('crawl'), (select shape from before), 'and nothing changed');
select is(pgflow.compare_flow_shape('crawl', (select v from shape)) ->> 'status', 'mismatch', 'compare_flow_shape reports it too');
select is(pgflow.compare_flow_shape('nothing_here', (select v from shape)), '{"status": "missing", "differences": []}',
  'and a flow that does not exist as missing');
select is(pgflow.ensure_flow_compiled('crawl', '{"steps": [{"slug": "list"}]}') -> 'differences', '["fetch: only in the stored flow"]',
  'a step the shape leaves out is named');
select is((select count(*)::int from pgflow.flows where flow_slug = 'nothing_here'), 0, 'comparing creates nothing');
select is(pgflow.ensure_flow_compiled('empty', '{"steps": []}') ->> 'status', 'compiled', 'a flow without steps compiles');

select * from finish();
rollback;
