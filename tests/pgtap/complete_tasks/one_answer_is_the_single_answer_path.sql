begin;
select plan(7);

-- A batch of one answer (a worker of one task at a time) is answered as complete_task answers: the
-- same result, whatever the arrays' bounds, and the same refusals and checks.
select pgflow_tests.flow_fanout();
select run_id as run from pgflow.start_flow('fan', '{}') \gset
select pgflow.complete_task(:'run', 'list', 0, '["a", "b", "c"]') from pgflow_tests.poll('fan');
select count(*) from pgflow_tests.poll('fan');

select results_eq(
  format($$ select task_index, status, output from pgflow.complete_tasks(array[%L]::uuid[], array['fetch'], array[1], array['"B"']::jsonb[]) $$, :'run'),
  $$ values (1, 'completed', '"B"'::jsonb) $$,
  'one answer is stored and returned');
select isnt((pgflow_tests.task(:'run', 'fetch', 1)).result_seq, null, 'with its result_seq');
select is((pgflow_tests.step(:'run', 'fetch')).remaining_tasks, 2, 'and counted off its step');

-- Arrays whose bounds are not 1: the element is the one there is.
select results_eq(
  format($$ select task_index, output from pgflow.complete_tasks(%L::uuid[], '[0:0]={fetch}'::text[], '[7:7]={0}'::int[], '[-2:-2]={"\"A\""}'::jsonb[]) $$,
         format('[3:3]={%s}', :'run')),
  $$ values (0, '"A"'::jsonb) $$,
  'arrays of other bounds are read by their one element');

select is_empty(format($$ select * from pgflow.complete_tasks(array[%L]::uuid[], array['fetch'], array[0], array['"again"']::jsonb[]) $$, :'run'),
  'a late answer of one changes nothing');
select is((pgflow_tests.task(:'run', 'fetch', 0)).output, '"A"', 'and leaves the first answer');
select throws_ok(format($$ select * from pgflow.complete_tasks(array[%L]::uuid[], array['fetch'], array[9], array['1']::jsonb[]) $$, :'run'),
  'P0002', format('run %s has no task 9 of step ''fetch''', :'run'), 'an unknown task of one is refused');

select * from finish();
rollback;
