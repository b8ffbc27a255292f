begin;
select plan(4);

select pgflow.create_flow('gate');
select pgflow.add_step('gate', 'check');
select pgflow.add_step('gate', 'notify', array['check'], required_input_pattern => '{"check": {"ok": true}}',
                       forbidden_input_pattern => '{"check": {"muted": true}}', when_unmet => 'skip-cascade');
select is(pgflow.flow_shape('gate') -> 'steps' -> 1,
  $${"slug": "notify", "stepType": "single", "dependencies": ["check"], "whenUnmet": "skip-cascade", "whenExhausted": "fail",
     "requiredInputPattern": {"defined": true, "value": {"check": {"ok": true}}},
     "forbiddenInputPattern": {"defined": true, "value": {"check": {"muted": true}}}}$$::jsonb,
  'flow_shape gives the condition in pgflow''s words');
select is(pgflow.ensure_flow_compiled('gate_copy', pgflow.flow_shape('gate')) ->> 'status', 'compiled', 'a shape with conditions compiles');
select is(pgflow.flow_shape('gate_copy'), pgflow.flow_shape('gate'), 'to the same definition');
select is(pgflow.compare_flow_shape('gate', jsonb_set(pgflow.flow_shape('gate'), '{steps,1,whenUnmet}', '"fail"')) -> 'differences',
  '["notify: when_unmet skip-cascade -> fail"]', 'a changed when_unmet is a difference');

select * from finish();
rollback;
