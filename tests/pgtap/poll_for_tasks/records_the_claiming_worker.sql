begin;
select plan(3);

select pgflow_tests.flow_fanout();
select run_id as run from pgflow.start_flow('fan', '{}') \gset

select is((select count(*)::int from pgflow.poll_for_tasks('fan', 30, 10, 0, 100, '00000000-0000-0000-0000-0000000000aa')),
  1, 'a worker claims the single task');
select is((pgflow_tests.task(:'run', 'list')).worker_id, '00000000-0000-0000-0000-0000000000aa'::uuid,
  'the task records who holds the claim');

-- A claim without an id holds no owner.
update pgflow.step_tasks set status = 'queued', visible_at = now() - interval '1 second' where run_id = :'run';
select count(*) from pgflow_tests.poll('fan');
select is((pgflow_tests.task(:'run', 'list')).worker_id, null, 'a claim without worker_id records none');

select * from finish();
rollback;
