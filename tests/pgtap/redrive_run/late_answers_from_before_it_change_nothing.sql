begin;
select plan(6);

select pgflow_tests.flow_items();
select run_id as run from pgflow.start_flow('items', '[0, 1, 2]') \gset
-- Worker a holds tasks 0 and 1; task 0 fails the run while a still runs task 1.
select count(*) from pgflow.poll_for_tasks('items', 30, 2, 0, 100, '00000000-0000-4000-8000-00000000000a');
select pgflow.fail_task(:'run', 'items', 0, 'broken', '00000000-0000-4000-8000-00000000000a');
select pgflow.redrive_run(:'run');

select is_empty(format($$ select * from pgflow.complete_task(%L, 'items', 1, '"late"', '00000000-0000-4000-8000-00000000000a') $$, :'run'),
  'the old holder''s answer, after the redrive, changes nothing');
select is_empty(format($$ select * from pgflow.complete_task(%L, 'items', 1, '"late"') $$, :'run'),
  'nor does an answer without a worker_id: the task is queued, not started');
select is((pgflow_tests.task(:'run', 'items', 1)).status, 'queued', 'the task is still queued');

select count(*) from pgflow.poll_for_tasks('items', 30, 3, 0, 100, '00000000-0000-4000-8000-00000000000b');
select is_empty(format($$ select * from pgflow.fail_task(%L, 'items', 1, 'late failure', '00000000-0000-4000-8000-00000000000a') $$, :'run'),
  'once another worker holds it, the old holder''s failure changes nothing either');
select is((select count(*)::int from pgflow.complete_tasks(array[:'run', :'run', :'run']::uuid[], array['items', 'items', 'items'],
                                                           array[0, 1, 2], array['0', '10', '20']::jsonb[],
                                                           '00000000-0000-4000-8000-00000000000b')), 3,
  'the new holder''s answers count');
select is((pgflow_tests.step(:'run', 'items')).output, '[0, 10, 20]'::jsonb, 'and make the step''s output');

select * from finish();
rollback;
