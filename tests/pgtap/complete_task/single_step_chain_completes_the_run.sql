begin;
select plan(6);

select pgflow_tests.flow_chain();
select run_id as run from pgflow.start_flow('chain', '{"n": 1}') \gset

select row_eq(
  $$ select c.run_id, c.step_slug, c.task_index, c.status, c.output
       from pgflow_tests.poll('chain') p, pgflow.complete_task(p.run_id, p.step_slug, p.task_index, '1') c $$,
  row(:'run'::uuid, 'first'::text, 0, 'completed'::text, '1'::jsonb),
  'complete_task returns the completed task');
select row_eq(format($$ select status, output, remaining_tasks from pgflow.step_states where run_id = %L and step_slug = 'first' $$, :'run'),
  row('completed'::text, '1'::jsonb, 0), 'a single step''s output is its task''s output');
select is((select input from pgflow_tests.poll('chain')), '{"run": {"n": 1}, "first": 1}'::jsonb, 'the next step starts with it');
select pgflow.complete_task(:'run', 'second', 0, '2');
select is((pgflow_tests.run(:'run')).remaining_steps, 1, 'each completed step is counted off the run');
select pgflow.complete_task(:'run', 'third', 0, '{"last": 3}') from pgflow_tests.poll('chain');
select row_eq(format('select status, output, remaining_steps from pgflow.runs where run_id = %L', :'run'),
  row('completed'::text, '{"third": {"last": 3}}'::jsonb, 0), 'the run completes with the output of its leaf step');
select ok((pgflow_tests.run(:'run')).completed_at is not null, 'completed_at is set');

select * from finish();
rollback;
