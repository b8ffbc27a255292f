begin;
select plan(10);

-- list -> rows (a fan-out over list's page.rows) -> total
select pgflow.create_flow('pages');
select pgflow.add_step('pages', 'list');
select pgflow.add_step('pages', 'rows', array['list'], step_type => 'fanout', fanout_path => 'page.rows');
select pgflow.add_step('pages', 'total', array['rows']);
select run_id as run from pgflow.start_flow('pages', '{}') \gset
select count(*) from pgflow_tests.poll('pages');
select pgflow.complete_task(:'run', 'list', 0, '{"page": {"rows": ["a", "b", "c"], "next": null}, "count": 3}');
select results_eq(format($$ select task_index, item from pgflow.step_tasks where run_id = %L and step_slug = 'rows' order by task_index $$, :'run'),
  $$ values (0, '"a"'::jsonb), (1, '"b"'), (2, '"c"') $$, 'one task per element of the array at the path');

-- A root fan-out over a field of the run input.
select pgflow.create_flow('batch');
select pgflow.add_step('batch', 'each', step_type => 'fanout', fanout_path => 'items');
select run_id as root from pgflow.start_flow('batch', '{"items": [10, 20], "owner": "x"}') \gset
select is((select count(*)::int from pgflow.step_tasks where run_id = :'root'), 2, 'a root fan-out takes the field of the run input');
select throws_ok($$ select pgflow.start_flow('batch', '{"things": [1]}') $$, '22023',
  'step ''each'' of flow ''batch'' fans out over the field ''items'' of the run input, which must be a JSON array, got nothing there',
  'a run input without the field is refused, naming the step and the path');
select throws_ok($$ select pgflow.start_flow('batch', '{"items": {"a": 1}}') $$, '22023',
  'step ''each'' of flow ''batch'' fans out over the field ''items'' of the run input, which must be a JSON array, got object',
  'and one whose field is not an array, naming the type found');

-- A dependency whose output lacks the path fails the run, saying where and what it found.
select run_id as bad from pgflow.start_flow('pages', '{}') \gset
select count(*) from pgflow_tests.poll('pages');
select pgflow.complete_task(:'bad', 'list', 0, '{"page": {"rows": "none"}}');
select is((pgflow_tests.run(:'bad')).status, 'failed', 'a non-array at the path fails the run');
select is((pgflow_tests.run(:'bad')).error_message,
  format('step ''rows'' failed: fan-out step ''rows'' of run %s expects the field ''page.rows'' of the output of step ''list'' to be a JSON array, got string', :'bad'),
  'naming the step, the path and the JSON type');

select throws_ok($$ select pgflow.add_step('pages', 'single', fanout_path => 'items') $$, '22023',
  'step ''single'' of flow ''pages'': fanout_path needs a fan-out step; a single step gets its input whole', 'a path needs a fan-out');
select throws_ok($$ select pgflow.add_step('pages', 'odd', array['list'], step_type => 'fanout', fanout_path => 'page..rows') $$, '22023',
  'step ''odd'' of flow ''pages'': fanout_path "page..rows" must be field names joined by dots, such as ''items'' or ''page.rows''',
  'a path with an empty field name is refused');

select is(pgflow.flow_shape('pages') -> 'steps' -> 1 ->> 'fanoutPath', 'page.rows', 'the shape carries the path');
select is(pgflow.ensure_flow_compiled('pages_copy', pgflow.flow_shape('pages')) ->> 'status', 'compiled', 'and compiles it');

select * from finish();
rollback;
