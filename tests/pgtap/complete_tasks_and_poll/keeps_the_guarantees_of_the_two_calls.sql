begin;
select plan(8);

select pgflow_tests.flow_root_fanout();
select run_id as run from pgflow.start_flow('root', '[1, 2, 3, 4]') \gset
select count(*) from pgflow.poll_for_tasks('root', 30, 2, 0, 100, 'aaaaaaaa-0000-4000-8000-000000000001');

select is((select count(*)::int from pgflow.complete_tasks_and_poll(array[:'run']::uuid[], array['items'], array[0], array['"zero"']::jsonb[],
                                                                     'root', 30, 0, 'aaaaaaaa-0000-4000-8000-000000000001')),
  0, 'qty 0 answers and claims nothing');
select is((pgflow_tests.task(:'run', 'items', 0)).output, '"zero"', 'the answer is stored');

-- A stale holder (another worker id) changes nothing, but its call still claims.
select is((select count(*)::int from pgflow.complete_tasks_and_poll(array[:'run']::uuid[], array['items'], array[1], array['"stale"']::jsonb[],
                                                                     'root', 30, 5, 'bbbbbbbb-0000-4000-8000-000000000002')),
  2, 'a stale answer does not stop the claim');
select is((pgflow_tests.task(:'run', 'items', 1)).status, 'started', 'and changes nothing');

-- Nothing left to claim: the call returns at once, the answers stand.
select is((select count(*)::int from pgflow.complete_tasks_and_poll(array[:'run']::uuid[], array['items'], array[1], array['"one"']::jsonb[],
                                                                     'root', 30, 5, 'aaaaaaaa-0000-4000-8000-000000000001')),
  0, 'with nothing claimable it returns no task');
select is((pgflow_tests.task(:'run', 'items', 1)).output, '"one"', 'and the answer stands');

-- Malformed batches are refused before anything is written or claimed.
select throws_ok(format($$ select * from pgflow.complete_tasks_and_poll(array[%L]::uuid[], array['items', 'items'], array[2], array['1']::jsonb[], 'root', 30, 5) $$, :'run'),
  '22023', 'pgflow.complete_tasks_and_poll: the arrays must have the same length, got 1, 2, 1 and 1', 'arrays of different lengths');
select throws_ok(format($$ select * from pgflow.complete_tasks_and_poll(array[%L]::uuid[], array['items'], array[9], array['1']::jsonb[], 'root', 30, 5) $$, :'run'),
  'P0002', format('run %s has no task 9 of step ''items''', :'run'), 'an unknown task refuses the call, claim included');

select * from finish();
rollback;
