begin;
select plan(9);

-- 10 items, success_threshold 0.8: floor(10 * (1 - 0.8)) = 2 failures are allowed.
select pgflow_tests.flow_items('threshold', 0.8);

select run_id as at_limit from pgflow.start_flow('items', '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]') \gset
select pgflow_tests.answer_items('items', failing => array[2, 7]);
select row_eq(format($$ select status, completed_tasks, failed_tasks from pgflow.step_states
                        where run_id = %L and step_slug = 'items' $$, :'at_limit'),
  row('completed'::text, 8, 2), 'at the limit (2 of 10 failed) the step completes');
select is((pgflow_tests.step(:'at_limit', 'items')).output -> 7,
  '{"ok": false, "error": "item 7 is broken", "attempts": 1}'::jsonb, 'with envelopes, as under collect_all');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'at_limit'), 'that run is consistent');

-- One more failure: the third fails the step while other tasks are still queued and running.
select run_id as past_limit from pgflow.start_flow('items', '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]') \gset
select count(*) from pgflow.poll_for_tasks('items', 30, 6, 0);   -- tasks 0 to 5 running, 6 to 9 queued
select pgflow.fail_task(:'past_limit', 'items', 0, 'zero broke');
select pgflow.fail_task(:'past_limit', 'items', 1, 'one broke');
select is((pgflow_tests.step(:'past_limit', 'items')).status, 'started', 'two failures: the step lives');
select pgflow.fail_task(:'past_limit', 'items', 2, 'two broke');
select row_eq(format($$ select status, failed_tasks, error_message from pgflow.step_states
                        where run_id = %L and step_slug = 'items' $$, :'past_limit'),
  row('failed'::text, 3,
      '3 of 10 tasks failed (more than the 2 its success_threshold allows); first error (task 0): zero broke'::text),
  'the third failure fails the step, saying how many of N failed and quoting the first error');
select is((pgflow_tests.run(:'past_limit')).status, 'failed', 'and its run (when_exhausted fail)');
select results_eq(
  format($$ select status, count(*)::int from pgflow.step_tasks where run_id = %L and step_slug = 'items'
            group by status order by status $$, :'past_limit'),
  $$ values ('cancelled', 7), ('failed', 3) $$,
  'its queued and running tasks are cancelled');
select is_empty(format($$ select * from pgflow.complete_task(%L, 'items', 4, '40') $$, :'past_limit'),
  'a late answer for a cancelled task changes nothing');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'past_limit'), 'that run is consistent');

select * from finish();
rollback;
