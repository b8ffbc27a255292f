begin;
select plan(4);

select pgflow_tests.flow_root_fanout();
select run_id as run1 from pgflow.start_flow('root', '[1, 2]') \gset
select run_id as run2 from pgflow.start_flow('root', '[3]') \gset
select count(*) from pgflow_tests.poll('root');

select is((select count(*)::int from pgflow.complete_tasks(
            array[:'run1', :'run2', :'run1']::uuid[], array['items', 'items', 'items'], array[1, 0, 0],
            array['10', '30', '20']::jsonb[])), 3, 'one batch may answer tasks of several runs');
select is((pgflow_tests.step(:'run1', 'items')).output, '[20, 10]'::jsonb, 'each run aggregates its own tasks in order');
select is((pgflow_tests.step(:'run2', 'items')).output, '[30]'::jsonb, 'independently');
select is((select count(*)::int from pgflow.step_states where step_slug = 'total' and status = 'started'), 2,
  'both runs move on');

select * from finish();
rollback;
