begin;
select plan(7);

select pgflow_tests.flow_fanout();
select run_id as run from pgflow.start_flow('fan', '{}') \gset
select count(*) from pgflow.poll_for_tasks('fan', 30, 10, 0, 100, 'aaaaaaaa-0000-4000-8000-000000000001');

-- Answering list spawns the fan-out; the same call claims its tasks.
create temp table claimed as
  select * from pgflow.complete_tasks_and_poll(array[:'run']::uuid[], array['list'], array[0], array['[10, 20, 30]']::jsonb[],
                                               'fan', 30, 2, 'aaaaaaaa-0000-4000-8000-000000000001');
select is((pgflow_tests.task(:'run', 'list')).status, 'completed', 'the answer is stored');
select results_eq($$ select step_slug, task_index, input from claimed order by task_index $$,
  $$ values ('fetch'::text, 0, '{"item": 10}'::jsonb), ('fetch', 1, '{"item": 20}') $$,
  'the claim in the same call took the tasks the answer released, up to qty');
select is(array(select worker_id::text from pgflow.step_tasks where run_id = :'run' and step_slug = 'fetch' and status = 'started' order by task_index),
  array['aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000001'], 'held by the caller');
select is((select flow_input from claimed limit 1), null, 'a fan-out task carries no flow_input');

-- Two answers and the last task claimed; then the last answer claims the single step after it.
select is((select count(*)::int from pgflow.complete_tasks_and_poll(
  array[:'run', :'run']::uuid[], array['fetch', 'fetch'], array[0, 1], array['1', '2']::jsonb[], 'fan', 30, 5,
  'aaaaaaaa-0000-4000-8000-000000000001')), 1, 'a batch of answers, and the one task left is claimed');
select results_eq(
  format($$ select step_slug, input, flow_input from pgflow.complete_tasks_and_poll(array[%L]::uuid[], array['fetch'], array[2], array['3']::jsonb[], 'fan', 30, 5) $$, :'run'),
  $$ values ('save'::text, '{"run": {}, "fetch": [1, 2, 3]}'::jsonb, '{}'::jsonb) $$,
  'the last answer completes the fan-out, and the step it released is claimed with its input and flow_input');
select is((select count(*)::int from pgflow.verify_run(:'run')), 0, 'the run is consistent');

select * from finish();
rollback;
