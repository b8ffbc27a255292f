begin;
select plan(7);

select pgflow_tests.flow_items('collect_all');
select run_id as run from pgflow.start_flow('items', '[0, 1, 2, 3, 4]') \gset
select pgflow_tests.answer_items('items', failing => array[1, 3]);

select is((pgflow_tests.run(:'run')).status, 'started', 'failed items do not fail the run');
select row_eq(format($$ select status, completed_tasks, failed_tasks, remaining_tasks from pgflow.step_states
                        where run_id = %L and step_slug = 'items' $$, :'run'),
  row('completed'::text, 3, 2, 0), 'the step completes once every task has ended, and counts both kinds');
select is((pgflow_tests.step(:'run', 'items')).output,
  '[{"ok": true, "value": 0},
    {"ok": false, "error": "item 1 is broken", "attempts": 1},
    {"ok": true, "value": 20},
    {"ok": false, "error": "item 3 is broken", "attempts": 1},
    {"ok": true, "value": 40}]'::jsonb,
  'its output has one envelope per item, in task_index order');
select is((select input -> 'items' -> 1 ->> 'error' from pgflow_tests.poll('items')), 'item 1 is broken',
  'the dependent receives the envelopes');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'run'), 'the run is consistent');

-- All items failing still completes the step.
select run_id as all_failing from pgflow.start_flow('items', '[5, 6]') \gset
select pgflow_tests.answer_items('items', failing => array[0, 1]);
select is((pgflow_tests.step(:'all_failing', 'items')).status, 'completed', 'even when every item failed');
select is((pgflow_tests.step(:'all_failing', 'items')).output,
  '[{"ok": false, "error": "item 0 is broken", "attempts": 1}, {"ok": false, "error": "item 1 is broken", "attempts": 1}]'::jsonb,
  'with an envelope per failure');

select * from finish();
rollback;
