begin;
select plan(10);

select pgflow_tests.flow_root_fanout();
select run_id as run from pgflow.start_flow('root', '[1, 2]') \gset
select count(*) from pgflow.poll_for_tasks('root', 10, 1, 0, 100, '00000000-0000-4000-8000-00000000000a');

select ok(pgflow.extend_lease(:'run', 'items', 0, 600, '00000000-0000-4000-8000-00000000000a')
            between clock_timestamp() + interval '599 seconds' and clock_timestamp() + interval '600 seconds',
  'the holder extends its lease and gets the new end');
select ok((pgflow_tests.task(:'run', 'items', 0)).visible_at > clock_timestamp() + interval '599 seconds',
  'the lease ends then');
select is(pgflow.extend_lease(:'run', 'items', 0, 600, '00000000-0000-4000-8000-00000000000b'), null,
  'another worker gets NULL');
select is(pgflow.extend_lease(:'run', 'items', 1, 600), null, 'a queued task is held by nobody: NULL');
select is((pgflow_tests.task(:'run', 'items', 1)).status, 'queued', 'and stays queued');

-- A stale holder: its lease ran out, and another worker claimed the task.
update pgflow.step_tasks set visible_at = now() - interval '1 second' where run_id = :'run' and task_index = 0;
select count(*) from pgflow.poll_for_tasks('root', 10, 2, 0, 100, '00000000-0000-4000-8000-00000000000b');
select is(pgflow.extend_lease(:'run', 'items', 0, 600, '00000000-0000-4000-8000-00000000000a'), null,
  'the stale holder gets NULL');
select ok((pgflow_tests.task(:'run', 'items', 0)).visible_at < clock_timestamp() + interval '11 seconds',
  'and the new holder''s lease is untouched');
select isnt(pgflow.extend_lease(:'run', 'items', 0, 60), null, 'without a worker_id, any holder extends');

select throws_ok(format($$ select pgflow.extend_lease(%L, 'items', 7, 60) $$, :'run'), 'P0002', null, 'an unknown task');
select throws_ok(format($$ select pgflow.extend_lease(%L, 'items', 0, 0) $$, :'run'), '22023', null, 'seconds below 1');

select * from finish();
rollback;
