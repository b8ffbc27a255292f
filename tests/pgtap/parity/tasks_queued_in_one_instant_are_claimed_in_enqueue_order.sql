begin;
select plan(2);

-- start_flow queues the single step's task, then spawns the fan-out, in one transaction: both get
-- the same visible_at. pgflow claims in enqueue order; so does this engine.
select pgflow.create_flow('ties');
select pgflow.add_step('ties', 'z_single');
select pgflow.add_step('ties', 'a_fanout', step_type => 'fanout');
select run_id as run from pgflow.start_flow('ties', '[1, 2, 3]') \gset

select is((select count(distinct visible_at)::int from pgflow.step_tasks where run_id = :'run'), 1, 'all queued at one instant');
select is((select step_slug from pgflow.poll_for_tasks('ties', 30, 1, 0)), 'z_single',
  'a claim of one takes the task queued first, not the first slug');

select * from finish();
rollback;
