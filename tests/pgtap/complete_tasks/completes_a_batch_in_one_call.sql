begin;
select plan(6);

select pgflow_tests.flow_fanout();
select run_id as run from pgflow.start_flow('fan', '{}') \gset
select pgflow.complete_task(:'run', 'list', 0, '["a", "b", "c", "d"]') from pgflow_tests.poll('fan');
select count(*) from pgflow_tests.poll('fan');

select results_eq(
  format($$ select task_index, status, output from pgflow.complete_tasks(
              array[%1$L, %1$L, %1$L]::uuid[], array['fetch', 'fetch', 'fetch'], array[3, 0, 2],
              array['"D"', '"A"', 'null']::jsonb[]) order by task_index $$, :'run'),
  $$ values (0, 'completed', '"A"'::jsonb), (2, 'completed', 'null'::jsonb), (3, 'completed', '"D"'::jsonb) $$,
  'every answer of the batch is stored and returned');
select is((pgflow_tests.step(:'run', 'fetch')).remaining_tasks, 1, 'the step counts them all off at once');

select is_empty(format($$ select * from pgflow.complete_tasks(array[%1$L, %1$L]::uuid[], array['fetch', 'fetch'],
                                                               array[0, 1], array['"late"', '"B"']::jsonb[])
                         where output = '"late"' $$, :'run'),
  'a late answer inside a batch changes nothing ...');
select is((pgflow_tests.task(:'run', 'fetch', 0)).output, '"A"'::jsonb, '... and keeps the first output');
select is((pgflow_tests.step(:'run', 'fetch')).output, '["A", "B", null, "D"]'::jsonb,
  'the batch that holds the last task completes the step, in task_index order');
select is((select input from pgflow_tests.poll('fan')), '{"run": {}, "fetch": ["A", "B", null, "D"]}'::jsonb,
  'and starts its dependent');

select * from finish();
rollback;
