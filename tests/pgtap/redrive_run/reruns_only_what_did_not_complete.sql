begin;
select plan(10);

select pgflow_tests.flow_items();
select run_id as run from pgflow.start_flow('items', '[0, 1, 2, 3, 4]') \gset
select count(*) from pgflow.poll_for_tasks('items', 30, 4, 0);      -- 0 to 3 running, 4 queued
select pgflow.complete_task(:'run', 'items', 0, '"kept 0"');
select pgflow.complete_task(:'run', 'items', 2, '"kept 2"');
select pgflow.fail_task(:'run', 'items', 1, 'broken');               -- fails the step and the run

select row_eq(format($$ select status, redrive_count, failed_at, error_message from pgflow.redrive_run(%L) $$, :'run'),
  row('started'::text, 1, null::timestamptz, null::text), 'a failed run starts again and counts the redrive');
select results_eq(
  format($$ select task_index, status, attempts_count, output from pgflow.step_tasks
            where run_id = %L and step_slug = 'items' order by 1 $$, :'run'),
  $$ values (0, 'completed', 1, '"kept 0"'::jsonb), (1, 'queued', 0, null), (2, 'completed', 1, '"kept 2"'::jsonb),
            (3, 'queued', 0, null), (4, 'queued', 0, null) $$,
  'completed tasks keep their outputs; failed and cancelled ones are queued with a fresh attempt budget');
select row_eq(format($$ select status, completed_tasks, failed_tasks, remaining_tasks, error_message
                        from pgflow.step_states where run_id = %L and step_slug = 'items' $$, :'run'),
  row('started'::text, 2, 0, 3, null::text), 'the failed step starts again, its counters recomputed');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'run'), 'the redriven run is consistent');

select results_eq($$ select task_index from pgflow_tests.poll('items') order by 1 $$,
  $$ values (1), (3), (4) $$, 'only the items that did not complete run again');
select pgflow.complete_task(:'run', 'items', i, to_jsonb('new ' || i)) from unnest(array[1, 3, 4]) i;
select is((select input -> 'items' from pgflow_tests.poll('items')),
  '["kept 0", "new 1", "kept 2", "new 3", "new 4"]'::jsonb, 'the step''s output joins old and new outputs in order');
select pgflow.complete_task(:'run', 'total', 0, '5');
select is((pgflow_tests.run(:'run')).status, 'completed', 'the run completes');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'run'), 'and is consistent');

select throws_ok(format($$ select pgflow.redrive_run(%L) $$, :'run'), '55000',
  format('run %s is completed; only a failed or cancelled run can be redriven', :'run'), 'a completed run is refused');
select throws_ok($$ select pgflow.redrive_run('00000000-0000-4000-8000-000000000000') $$, 'P0002', null, 'an unknown run');

select * from finish();
rollback;
