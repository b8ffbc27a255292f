begin;
select plan(4);

-- pgflow matches a dependent step's condition against {"<dependency>": <its output>, ...}: the run
-- input is not part of it.
select pgflow.create_flow('review');
select pgflow.add_step('review', 'score');
select pgflow.add_step('review', 'publish', array['score'], required_input_pattern => '{"score": {"passed": true}}');
select pgflow.add_step('review', 'by_run', array['score'], required_input_pattern => '{"run": {"go": true}}');
select run_id as run from pgflow.start_flow('review', '{"go": true}') \gset
select count(*) from pgflow_tests.poll('review');
select pgflow.complete_task(:'run', 'score', 0, '{"passed": true, "value": 9}');

select is((pgflow_tests.step(:'run', 'publish')).status, 'started', 'a dependency''s output by its slug meets the pattern');
select is((pgflow_tests.step(:'run', 'by_run')).status, 'skipped', 'the run input is not matched');
select results_eq(
  format($$ select input from pgflow.poll_for_tasks('review', 30, 10, 0) where run_id = %L $$, :'run'),
  $$ values ('{"run": {"go": true}, "score": {"passed": true, "value": 9}}'::jsonb) $$,
  'the task''s payload still carries the run input');
select throws_ok(
  $$ select pgflow.add_step('review', 'odd', array['score'], required_input_pattern => '[1]') $$, '22023',
  'step ''odd'' of flow ''review'': required_input_pattern must be a JSON object (matched with @>), got [1]',
  'a pattern must be a JSON object');

select * from finish();
rollback;
