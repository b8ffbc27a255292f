begin;
select plan(8);

select pgflow.create_flow('api', max_concurrency => 4);
select pgflow.add_step('api', 'calls', step_type => 'fanout');
select run_id as one from pgflow.start_flow('api', '[1, 2, 3, 4, 5]') \gset
select run_id as two from pgflow.start_flow('api', '[6, 7, 8, 9, 10]', priority => 1) \gset

create temp table claimed as select * from pgflow_tests.poll('api', 10);
select is((select count(*)::int from claimed), 4, 'a claim takes no more than the flow''s cap');
select is((select count(*)::int from claimed where run_id = :'two'), 4, 'still in priority order');
select is((select count(*)::int from pgflow_tests.poll('api', 10)), 0, 'nothing more while the cap''s tasks are leased');

select pgflow.complete_task(run_id, step_slug, task_index, '1') from claimed where task_index = 0;
select is((select count(*)::int from pgflow_tests.poll('api', 10)), 1, 'an answer frees one lease');

-- Answer and claim in one call: the answers free leases for the claim.
select is((select count(*)::int from pgflow.complete_tasks_and_poll(
    (select array_agg(run_id) from claimed where task_index in (1, 2)), array['calls', 'calls'],
    (select array_agg(task_index) from claimed where task_index in (1, 2)), array['1', '1']::jsonb[], 'api', 30, 10)), 2,
  'complete_tasks_and_poll claims what its answers freed');
-- One answer is written before the claim, which takes the flow's capacity lock only if it is free.
select is((select count(*)::int from pgflow.complete_tasks_and_poll(
    array[:'two']::uuid[], array['calls'], array[3], array['1']::jsonb[], 'api', 30, 10)), 1,
  'one answer through complete_tasks_and_poll frees the lease its own claim takes');

select is(pgflow.flow_shape('api') -> 'options' -> 'maxConcurrency', '4'::jsonb, 'the shape carries the cap');
select throws_ok($$ select pgflow.create_flow('api', max_concurrency => 5) $$, '42710',
  'flow ''api'' is already defined differently: max_concurrency 4 -> 5 (nothing was changed; delete_flow or ensure_flow_compiled with allow_replace replaces a flow)',
  'a different cap is a different definition');

select * from finish();
rollback;
