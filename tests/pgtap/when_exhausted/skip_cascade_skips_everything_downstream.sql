begin;
select plan(6);

-- items (fan-out, skip-cascade) -> total -> report, items -> again (fan-out); other runs beside.
select pgflow.create_flow('cascade', max_attempts => 1);
select pgflow.add_step('cascade', 'items', step_type => 'fanout', when_exhausted => 'skip-cascade');
select pgflow.add_step('cascade', 'other');
select pgflow.add_step('cascade', 'total', array['items']);
select pgflow.add_step('cascade', 'report', array['total', 'other']);
select pgflow.add_step('cascade', 'again', array['items'], step_type => 'fanout');
select pgflow.add_step('cascade', 'last', array['other']);
select run_id as run from pgflow.start_flow('cascade', '[0, 1, 2]') \gset
select count(*) from pgflow.poll_for_tasks('cascade', 30, 10, 0);   -- other and the three items
select pgflow.fail_task(:'run', 'items', 0, 'broken');

select results_eq(
  format($$ select step_slug, status from pgflow.step_states where run_id = %L order by step_slug $$, :'run'),
  $$ values ('again', 'skipped'), ('items', 'skipped'), ('last', 'created'), ('other', 'started'),
            ('report', 'skipped'), ('total', 'skipped') $$,
  'the step and everything downstream of it, however far, are skipped; the rest carries on');
select is((pgflow_tests.step(:'run', 'report')).error_message, 'skipped because step ''items'' failed',
  'a step skipped by the cascade says why');
select results_eq(
  format($$ select task_index, status from pgflow.step_tasks where run_id = %L and step_slug = 'items' order by 1 $$, :'run'),
  $$ values (0, 'failed'), (1, 'cancelled'), (2, 'cancelled') $$, 'the skipped fan-out''s other tasks are cancelled');

select pgflow.complete_task(:'run', 'other', 0, '"o"');
select pgflow.complete_task(t.run_id, t.step_slug, t.task_index, '"l"') from pgflow_tests.poll('cascade') t;
select row_eq(format($$ select status, output, remaining_steps from pgflow.runs where run_id = %L $$, :'run'),
  row('completed'::text, '{"last": "l"}'::jsonb, 0), 'the run completes when the rest does, skipped leaves left out');
select is_empty($$ select * from pgflow_tests.poll('cascade') $$, 'nothing skipped is ever claimed');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'run'), 'the run is consistent');

select * from finish();
rollback;
