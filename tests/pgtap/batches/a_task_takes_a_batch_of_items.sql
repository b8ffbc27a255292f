begin;
select plan(19);

-- each: a fan-out over the run input, 4 items per task; total depends on it.
select pgflow.create_flow('chunks', max_attempts => 2, base_delay => 0);
select pgflow.add_step('chunks', 'each', step_type => 'fanout', batch_size => 4);
select pgflow.add_step('chunks', 'total', array['each']);
select run_id as run from pgflow.start_flow('chunks', (select jsonb_agg(i) from generate_series(0, 9) i)) \gset

select results_eq(format($$ select task_index, first_index, item from pgflow.step_tasks where run_id = %L order by 1 $$, :'run'),
  $$ values (0, 0, '[0, 1, 2, 3]'::jsonb), (1, 4, '[4, 5, 6, 7]'), (2, 8, '[8, 9]') $$,
  'consecutive items go to one task each batch_size of them, the last one takes what is left');
select is((pgflow_tests.step(:'run', 'each')).initial_tasks, 10, 'the step counts items, not tasks');

create temp table claimed as select * from pgflow_tests.poll('chunks', 10);
select results_eq($$ select task_index, input from claimed order by 1 $$,
  $$ values (0, '{"items": [0, 1, 2, 3], "first_index": 0}'::jsonb), (1, '{"items": [4, 5, 6, 7], "first_index": 4}'),
            (2, '{"items": [8, 9], "first_index": 8}') $$,
  'a task''s input is its items and the index of the first');

-- Answers: one output per item.
select is((select count(*)::int from pgflow.complete_task(:'run', 'each', 0, '["a", "b", "c", "d"]')), 1,
  'an array of one output per item completes the task');
select is((pgflow_tests.step(:'run', 'each')).completed_tasks, 4, 'and counts its items completed');
select is((select (p).completed from (select pgflow.progress(:'run') p) x where (p).step_slug = 'each'), 4,
  'progress counts items');

select is((select count(*)::int from pgflow.complete_task(:'run', 'each', 1, '["e", "f"]')), 0,
  'an array of the wrong length completes nothing');
select is((pgflow_tests.task(:'run', 'each', 1)).error_message,
  'returned an array of 2 where an array of 4 outputs, one per item of the batch, was expected',
  'it fails the attempt, saying what it got');
select is((pgflow_tests.task(:'run', 'each', 1)).status, 'queued', 'and the task is retried');
select is((select count(*)::int from pgflow.complete_tasks(array[:'run']::uuid[], array['each'], array[2], array['{"a": 1}']::jsonb[])), 0,
  'in a batch of answers too');
select is((pgflow_tests.task(:'run', 'each', 2)).error_message,
  'returned an object where an array of 2 outputs, one per item of the batch, was expected', 'naming the JSON type');

select count(*) from (
  select pgflow.complete_task(t.run_id, t.step_slug, t.task_index,
    (select jsonb_agg(to_jsonb('n' || e) order by o) from jsonb_array_elements_text(t.input -> 'items') with ordinality x (e, o)))
  from pgflow_tests.poll('chunks', 10) t) answered;
select is((pgflow_tests.step(:'run', 'each')).output, '["a", "b", "c", "d", "n4", "n5", "n6", "n7", "n8", "n9"]'::jsonb,
  'the step''s output is one element per item, in item order');
select is((select count(*)::int from pgflow.read_results(:'run', 'each')), 10, 'read_results returns one row per item');
select results_eq(format($$ select task_index, output from pgflow.read_results(%L, 'each') where task_index between 3 and 5 order by 1 $$, :'run'),
  $$ values (3, '"d"'::jsonb), (4, '"n4"'), (5, '"n5"') $$, 'each with its item index and its own output');

-- collect_all: a failed batch fails each of its items, one envelope per item.
select pgflow.create_flow('lossy', max_attempts => 1);
select pgflow.add_step('lossy', 'each', step_type => 'fanout', batch_size => 2, fanout_policy => 'collect_all');
select run_id as lossy from pgflow.start_flow('lossy', '[1, 2, 3]') \gset
select count(*) from pgflow_tests.poll('lossy', 10);
select pgflow.fail_task(:'lossy', 'each', 0, 'down');
select pgflow.complete_task(:'lossy', 'each', 1, '[30]');
select is((pgflow_tests.step(:'lossy', 'each')).output,
  '[{"ok": false, "error": "down", "attempts": 1}, {"ok": false, "error": "down", "attempts": 1}, {"ok": true, "value": 30}]'::jsonb,
  'under collect_all a failed batch gives each of its items a failed envelope');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'lossy'), 'and verify_run finds the run consistent');

select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'run'), 'as it does the batched run');

-- threshold counts items: 4 items, at most floor(4 * (1 - 0.6)) = 1 may fail, and one failed
-- batch of 2 is 2 failed items.
select pgflow.create_flow('strict', max_attempts => 1);
select pgflow.add_step('strict', 'each', step_type => 'fanout', batch_size => 2, fanout_policy => 'threshold',
                       success_threshold => 0.6);
select run_id as strict from pgflow.start_flow('strict', '[1, 2, 3, 4]') \gset
select count(*) from pgflow_tests.poll('strict', 10);
select pgflow.fail_task(:'strict', 'each', 1, 'down');
select is((pgflow_tests.run(:'strict')).status, 'failed', 'a policy counts a failed batch as each of its items failed');

select throws_ok($$ select pgflow.add_step('strict', 'one', batch_size => 2) $$, '22023',
  'step ''one'' of flow ''strict'': batch_size needs a fan-out step; a single step has one task', 'a batch size needs a fan-out');

select * from finish();
rollback;
