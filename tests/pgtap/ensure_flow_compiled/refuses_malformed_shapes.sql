begin;
select plan(9);

select throws_ok($$ select pgflow.ensure_flow_compiled('x', '[]') $$, '22023',
  'shape of flow ''x'': the shape must be a JSON object, got []', 'a shape that is not an object');
select throws_ok($$ select pgflow.ensure_flow_compiled('x', '{}') $$, '22023',
  'shape of flow ''x'': "steps" must be an array', 'a shape without steps');
select throws_ok($$ select pgflow.ensure_flow_compiled('x', '{"steps": [{"slug": "a", "retries": 3}]}') $$, '22023', null,
  'an unknown key is refused, not dropped');
select throws_ok($$ select pgflow.ensure_flow_compiled('x', '{"steps": [{"slug": "a", "requiredInputPattern": {"defined": true}}]}') $$,
  '22023', 'shape of flow ''x'': step ''a'': requiredInputPattern must be {"defined": false} or {"defined": true, "value": ...}',
  'a condition without its value is refused');
select throws_ok($$ select pgflow.ensure_flow_compiled('x', '{"steps": [{"slug": "a", "options": {"maxAttempts": "3"}}]}') $$,
  '22023', 'shape of flow ''x'': step ''a'' options: maxAttempts must be a number, got "3"', 'an option of the wrong type');
select throws_ok($$ select pgflow.ensure_flow_compiled('x', '{"steps": [{"slug": "b", "dependencies": ["a"]}]}') $$,
  '42704', null, 'a dependency on an unknown step');
select throws_ok($$ select pgflow.ensure_flow_compiled('x', '{"steps": [{"slug": "a", "options": {"maxAttempts": -1}}]}') $$,
  '22023', null, 'an option out of range, checked as add_step checks it');
select throws_ok($$ select pgflow.ensure_flow_compiled('bad slug', '{"steps": []}') $$, '22023', null, 'a bad flow slug');
select is((select count(*)::int from pgflow.flows), 0, 'no refused shape left anything behind');

select * from finish();
rollback;
