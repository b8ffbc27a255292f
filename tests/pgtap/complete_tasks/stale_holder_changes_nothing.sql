begin;
select plan(3);

-- Worker a claims all three tasks of a fan-out; task 1's lease runs out and worker b takes it.
select pgflow_tests.flow_fanout();
select run_id as run from pgflow.start_flow('fan', '{}') \gset
select pgflow.complete_task(:'run', 'list', 0, '[1, 2, 3]') from pgflow_tests.poll('fan');
select count(*) from pgflow.poll_for_tasks('fan', 30, 10, 0, 100, '00000000-0000-0000-0000-00000000000a');
update pgflow.step_tasks set visible_at = now() - interval '1 second'
where run_id = :'run' and step_slug = 'fetch' and task_index = 1;
select count(*) from pgflow.poll_for_tasks('fan', 30, 10, 0, 100, '00000000-0000-0000-0000-00000000000b');

select is(
  (select array_agg(task_index order by task_index)
     from pgflow.complete_tasks(array[:'run', :'run', :'run']::uuid[], array['fetch', 'fetch', 'fetch'],
                                array[0, 1, 2], array['"a0"', '"a1"', '"a2"']::jsonb[],
                                '00000000-0000-0000-0000-00000000000a')),
  array[0, 2], 'a batch completes only the tasks its worker still holds');
select row_eq(format($$ select status, output from pgflow.step_tasks where run_id = %L and step_slug = 'fetch' and task_index = 1 $$, :'run'),
  row('started'::text, null::jsonb), 'the task another worker holds is left to it');
select is(
  (select count(*)::int from pgflow.fail_tasks(array[:'run']::uuid[], array['fetch'], array[1], array['from a'],
                                               '00000000-0000-0000-0000-00000000000a')),
  0, 'a stale batch failure changes nothing either');

select * from finish();
rollback;
