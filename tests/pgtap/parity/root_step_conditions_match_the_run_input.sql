begin;
select plan(6);

-- pgflow matches a root step's condition against the run input itself.
select pgflow.create_flow('roles');
select pgflow.add_step('roles', 'admin_only', required_input_pattern => '{"role": "admin"}');
select pgflow.add_step('roles', 'wrapped', required_input_pattern => '{"run": {"role": "admin"}}');
select pgflow.create_flow('guests');
select pgflow.add_step('guests', 'not_admin', forbidden_input_pattern => '{"role": "admin"}', when_unmet => 'fail');

select run_id as admin from pgflow.start_flow('roles', '{"role": "admin"}') \gset
select is((pgflow_tests.step(:'admin', 'admin_only')).status, 'started',
  'an input that contains the required pattern starts the step');
select is((pgflow_tests.step(:'admin', 'wrapped')).status, 'skipped',
  'the input is not wrapped in {"run": ...} any more');
select run_id as guest from pgflow.start_flow('roles', '{"role": "guest"}') \gset
select is((pgflow_tests.step(:'guest', 'admin_only')).status, 'skipped', 'an input without the required pattern skips it');

select run_id as admin_guest from pgflow.start_flow('guests', '{"role": "admin"}') \gset
select is((pgflow_tests.run(:'admin_guest')).status, 'failed',
  'a forbidden pattern the input contains fails the run under when_unmet fail');
select is((pgflow_tests.step(:'admin_guest', 'not_admin')).error_message,
  'condition not met: its input must not contain {"role": "admin"}', 'saying why');
select run_id as real_guest from pgflow.start_flow('guests', '{"role": "guest"}') \gset
select is((pgflow_tests.step(:'real_guest', 'not_admin')).status, 'started', 'and one without the forbidden pattern starts');

select * from finish();
rollback;
