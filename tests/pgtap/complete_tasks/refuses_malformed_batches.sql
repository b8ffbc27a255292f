begin;
select plan(8);

select pgflow_tests.flow_chain();
select run_id as run from pgflow.start_flow('chain', '{}') \gset
select count(*) from pgflow_tests.poll('chain');

select throws_ok(format($$ select pgflow.complete_tasks(array[%L]::uuid[], array['first', 'second'], array[0], array['1']::jsonb[]) $$, :'run'),
  '22023', 'pgflow.complete_tasks: the arrays must have the same length, got 1, 2, 1 and 1', 'arrays of different lengths');
select throws_ok(format($$ select pgflow.complete_tasks(array[%L]::uuid[], array['first'], array[0], array[null]::jsonb[]) $$, :'run'),
  '22004', 'pgflow.complete_tasks: outputs has a NULL at position 1', 'a NULL output');
select throws_ok(format($$ select pgflow.complete_tasks(array_fill(%L::uuid, array[12]), array_fill('first'::text, array[12]), array_fill(0, array[12]), array['1','1','1','1','1','1','1','1','1','1',null,'1']::jsonb[]) $$, :'run'),
  '22004', 'pgflow.complete_tasks: outputs has a NULL at position 11', 'a NULL past the first byte of the null bitmap is found where it is');
select throws_ok(format($$ select pgflow.complete_tasks(array[%L, null]::uuid[], array['first', 'first'], array[0, 0], array['1', '1']::jsonb[]) $$, :'run'),
  '22004', 'pgflow.complete_tasks: run_ids has a NULL at position 2', 'a NULL run id');
select throws_ok($$ select pgflow.complete_tasks(null, array['first'], array[0], array['1']::jsonb[]) $$,
  '22004', 'pgflow.complete_tasks: run_ids must not be null', 'a NULL array');
select throws_ok(format($$ select pgflow.complete_tasks(array[%1$L, %1$L]::uuid[], array['first', 'first'], array[0, 7], array['1', '2']::jsonb[]) $$, :'run'),
  'P0002', format('run %s has no task 7 of step ''first''', :'run'), 'an unknown task refuses the whole batch');
select is((pgflow_tests.task(:'run', 'first')).status, 'started', 'and nothing of it was written');
select is_empty($$ select * from pgflow.complete_tasks('{}', '{}', '{}', '{}') $$, 'an empty batch does nothing');

select * from finish();
rollback;
