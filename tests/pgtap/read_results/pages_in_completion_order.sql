begin;
select plan(11);

-- A collect_all fan-out over ten items, one attempt each.
select pgflow_tests.flow_items('collect_all');
select run_id as run from pgflow.start_flow('items', '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]') \gset
select count(*) from pgflow.poll_for_tasks('items', 30, 100, 0);

select is_empty(format($$ select * from pgflow.read_results(%L, 'items') $$, :'run'), 'nothing has finished yet');

select pgflow.complete_task(:'run', 'items', 7, '70');
select pgflow.fail_task(:'run', 'items', 2, 'item 2 is broken');
select pgflow.complete_task(:'run', 'items', 9, '90');

create temp table page as select * from pgflow.read_results(:'run', 'items', 0, 2);
select is(array(select task_index from page order by seq), array[7, 2], 'the first page: the first two results, in the order they finished');
select is(array(select format('%s %s %s', status, coalesce(output::text, '-'), coalesce(error_message, '-')) from page order by seq),
          array['completed 70 -', 'failed - item 2 is broken'], 'with their status, output and error');
select max(seq) as cursor from page \gset
select is(array(select task_index from pgflow.read_results(:'run', 'items', :cursor, 2)), array[9],
  'the next page starts after the cursor while the fan-out still runs');

select pgflow.complete_task(:'run', 'items', i, to_jsonb(i * 10)) from generate_series(0, 8) i where i not in (2, 7);
select is(array(select task_index from pgflow.read_results(:'run', 'items', :cursor)), array[9, 0, 1, 3, 4, 5, 6, 8],
  'results keep coming after the cursor, in completion order');
select is((select count(*)::int from pgflow.read_results(:'run', 'items')), 10, 'every task once, when all have finished');
select is((select count(distinct seq)::int from pgflow.read_results(:'run', 'items')), 10, 'each with its own seq');

-- A single step's result is its one task.
select pgflow.complete_task(run_id, step_slug, task_index, '"sum"') from pgflow.poll_for_tasks('items', 30, 1, 0);
select is(array(select output::text from pgflow.read_results(:'run', 'total')), array['"sum"'], 'a single step has one result');

select throws_ok(format($$ select * from pgflow.read_results(%L, 'nope') $$, :'run'), 'P0002', null, 'an unknown step is refused');
select throws_ok($$ select * from pgflow.read_results('00000000-0000-0000-0000-00000000beef', 'items') $$, 'P0002',
  'run 00000000-0000-0000-0000-00000000beef does not exist', 'an unknown run is refused');
select throws_ok(format($$ select * from pgflow.read_results(%L, 'items', 0, 0) $$, :'run'), '22023', null,
  'a page of no rows is refused');

select * from finish();
rollback;
