begin;
select plan(9);

-- items (fan-out, skipped when it fails) -> total, and -> again (a fan-out over items).
select pgflow.create_flow('skippy', max_attempts => 1);
select pgflow.add_step('skippy', 'items', step_type => 'fanout', when_exhausted => 'skip');
select pgflow.add_step('skippy', 'total', array['items']);
select pgflow.add_step('skippy', 'again', array['items'], step_type => 'fanout');
select run_id as run from pgflow.start_flow('skippy', '[0, 1, 2]') \gset
select pgflow_tests.answer_items('skippy', failing => array[1]);

select row_eq(format($$ select status, output, error_message from pgflow.step_states
                        where run_id = %L and step_slug = 'items' $$, :'run'),
  row('skipped'::text, null::jsonb, '1 of 3 tasks failed; first error (task 1): item 1 is broken'::text),
  'the failed step is skipped, with output NULL and its reason');
select is((pgflow_tests.run(:'run')).status, 'started', 'the run goes on');
select row_eq(format($$ select status, output from pgflow.step_states where run_id = %L and step_slug = 'again' $$, :'run'),
  row('completed'::text, '[]'::jsonb), 'a fan-out over the skipped step gets an empty array and completes at once');
select is((select input from pgflow_tests.poll('skippy')), '{"run": [0, 1, 2]}'::jsonb,
  'a single dependent runs, its payload without the skipped step');
select pgflow.complete_task(:'run', 'total', 0, '"no items"');
select row_eq(format($$ select status, output from pgflow.runs where run_id = %L $$, :'run'),
  row('completed'::text, '{"again": [], "total": "no items"}'::jsonb), 'the run completes without the skipped step');
select is((pgflow_tests.task(:'run', 'items', 0)).status, 'completed',
  'a task that completed before the step failed keeps its output');
select is((pgflow_tests.task(:'run', 'items', 2)).status, 'cancelled', 'one still running when it failed is cancelled');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'run'), 'the run is consistent');

-- A skipped step that is a leaf: the run completes with nothing from it.
select pgflow.create_flow('leafy', max_attempts => 1);
select pgflow.add_step('leafy', 'only', when_exhausted => 'skip');
select run_id as leaf_run from pgflow.start_flow('leafy', '{}') \gset
select pgflow.fail_task(:'leaf_run', 'only', 0, 'nope') from pgflow_tests.poll('leafy');
select row_eq(format($$ select status, output from pgflow.runs where run_id = %L $$, :'leaf_run'),
  row('completed'::text, '{}'::jsonb), 'a run whose only leaf was skipped completes with no output from it');

select * from finish();
rollback;
