begin;
select plan(9);

-- check -> notify (runs only when check said ok) -> after
select pgflow.create_flow('gate');
select pgflow.add_step('gate', 'check');
select pgflow.add_step('gate', 'notify', array['check'], required_input_pattern => '{"check": {"ok": true}}');
select pgflow.add_step('gate', 'after', array['notify']);

select run_id as met from pgflow.start_flow('gate', '{}') \gset
select run_id as unmet from pgflow.start_flow('gate', '{}') \gset
select count(*) from pgflow_tests.poll('gate');
select pgflow.complete_task(:'met', 'check', 0, '{"ok": true, "n": 1}');
select pgflow.complete_task(:'unmet', 'check', 0, '{"ok": false}');

select is((pgflow_tests.step(:'met', 'notify')).status, 'started', 'a step whose input contains its required pattern starts');
select is((pgflow_tests.task(:'met', 'notify')).status, 'queued', 'with its task');
select is((pgflow_tests.step(:'unmet', 'notify')).status, 'skipped', 'one whose input does not is skipped (when_unmet skip)');
select is((pgflow_tests.step(:'unmet', 'notify')).error_message,
  'condition not met: its input must contain {"check": {"ok": true}}', 'saying why');
select is((select count(*)::int from pgflow.step_tasks where run_id = :'unmet' and step_slug = 'notify'), 0, 'and gets no task');
select is((pgflow_tests.step(:'unmet', 'after')).status, 'started', 'its dependent runs without it');
select results_eq(
  format($$ select input from pgflow.poll_for_tasks('gate', 30, 10, 0) where run_id = %L $$, :'unmet'),
  $$ values ('{"run": {}}'::jsonb) $$, 'its input leaves the skipped step out');
select pgflow.complete_task(:'unmet', 'after', 0, '"done"');
select row_eq(format($$ select status, output from pgflow.runs where run_id = %L $$, :'unmet'),
  row('completed'::text, '{"after": "done"}'::jsonb), 'and the run completes');
select is((select count(*)::int from pgflow.verify_run(:'unmet')), 0, 'consistent');

select * from finish();
rollback;
