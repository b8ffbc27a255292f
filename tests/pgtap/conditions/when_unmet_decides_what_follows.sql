begin;
select plan(8);

-- A root step's condition is matched against the run input itself (as pgflow does); forbidden
-- patterns; skip-cascade and fail.
select pgflow.create_flow('mail');
select pgflow.add_step('mail', 'send', forbidden_input_pattern => '{"dry_run": true}', when_unmet => 'skip-cascade');
select pgflow.add_step('mail', 'log', array['send']);
select pgflow.add_step('mail', 'audit');
select run_id as dry from pgflow.start_flow('mail', '{"dry_run": true}') \gset
select run_id as live from pgflow.start_flow('mail', '{"dry_run": false}') \gset

select is((pgflow_tests.step(:'dry', 'send')).status, 'skipped', 'an input that contains the forbidden pattern skips the step');
select is((pgflow_tests.step(:'dry', 'log')).status, 'skipped', 'and skip-cascade skips what depends on it');
select is((pgflow_tests.step(:'dry', 'audit')).status, 'started', 'other steps run');
select is((pgflow_tests.step(:'live', 'send')).status, 'started', 'an input without it runs the step');

select pgflow.create_flow('strict');
select pgflow.add_step('strict', 'charge', required_input_pattern => '{"approved": true}', when_unmet => 'fail');
select run_id as refused from pgflow.start_flow('strict', '{"approved": false}') \gset
select row_eq(format($$ select status, error_message from pgflow.runs where run_id = %L $$, :'refused'),
  row('failed'::text, 'step ''charge'' failed: condition not met: its input must contain {"approved": true}'::text),
  'when_unmet fail fails the run, saying why');
select is((pgflow_tests.step(:'refused', 'charge')).status, 'failed', 'and the step');

select throws_ok($$ select pgflow.add_step('strict', 'x', required_input_pattern => '{"a": 1}', when_unmet => 'maybe') $$,
  '22023', 'step ''x'' of flow ''strict'': unknown when_unmet "maybe" (expected ''skip'', ''skip-cascade'' or ''fail'')',
  'an unknown when_unmet is refused');
select throws_ok($$ select pgflow.add_step('strict', 'charge', required_input_pattern => '{"approved": "yes"}', when_unmet => 'fail') $$,
  '42710', 'step ''charge'' of flow ''strict'' is already defined differently: required_input_pattern {"approved":true} -> {"approved":"yes"} (nothing was changed; delete_flow or ensure_flow_compiled with allow_replace replaces a flow)',
  'a changed condition is a different definition');

select * from finish();
rollback;
