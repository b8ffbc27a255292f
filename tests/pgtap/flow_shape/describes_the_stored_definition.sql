begin;
select plan(4);

select pgflow_tests.flow_fanout();
select is(pgflow.flow_shape('fan'), $${
  "steps": [
    {"slug": "list", "stepType": "single", "dependencies": [], "whenUnmet": "skip", "whenExhausted": "fail",
     "requiredInputPattern": {"defined": false}, "forbiddenInputPattern": {"defined": false}},
    {"slug": "fetch", "stepType": "map", "dependencies": ["list"], "whenUnmet": "skip", "whenExhausted": "fail",
     "requiredInputPattern": {"defined": false}, "forbiddenInputPattern": {"defined": false}},
    {"slug": "save", "stepType": "single", "dependencies": ["fetch"], "whenUnmet": "skip", "whenExhausted": "fail",
     "requiredInputPattern": {"defined": false}, "forbiddenInputPattern": {"defined": false}}
  ],
  "options": {"maxAttempts": 3, "baseDelay": 1, "timeout": 60}
}$$::jsonb, 'a flow without this engine''s options has pgflow''s shape, steps in definition order');

select pgflow_tests.flow_diamond();
select is(pgflow.flow_shape('diamond') -> 'steps' -> 3 -> 'dependencies', '["left_side", "right_side"]',
  'dependencies are sorted');

select pgflow.create_flow('tuned', max_attempts => 5, run_timeout => 600, max_delay => 30);
select pgflow.add_step('tuned', 'items', step_type => 'fanout', fanout_policy => 'threshold', success_threshold => 0.8,
                       when_exhausted => 'skip', fanout_timeout => 120, aggregate => false, max_attempts => 2,
                       base_delay => 3, timeout => 10, start_delay => 1, max_delay => 20);
select is(pgflow.flow_shape('tuned'), $${
  "steps": [
    {"slug": "items", "stepType": "map", "dependencies": [], "whenUnmet": "skip", "whenExhausted": "skip",
     "requiredInputPattern": {"defined": false}, "forbiddenInputPattern": {"defined": false},
     "fanoutPolicy": "threshold", "successThreshold": 0.8, "aggregate": false,
     "options": {"maxAttempts": 2, "baseDelay": 3, "timeout": 10, "startDelay": 1, "fanoutTimeout": 120, "maxDelay": 20}}
  ],
  "options": {"maxAttempts": 5, "baseDelay": 5, "timeout": 60, "runTimeout": 600, "maxDelay": 30}
}$$::jsonb, 'this engine''s options appear beside pgflow''s when they are set');

select throws_ok($$ select pgflow.flow_shape('nope') $$, '42704', 'flow ''nope'' does not exist', 'an unknown flow is refused');

select * from finish();
rollback;
