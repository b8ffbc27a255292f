-- args: run_ids uuid[], step_slugs text[], flow_slugs text[], priorities integer[], start_delays integer[]
-- returns: none
-- One task each for single steps that start_ready_steps.sql just started: $1 their runs, $2 their
-- slugs, $3 their runs' flows and $4 priorities (the lane the task joins), $5 their start delays
-- in seconds. A task is queued at the transaction's time, now(), as pgflow does: the tasks one
-- call queues are queued at one instant, and claimed in the order they were queued (enqueue
-- order).
-- The rows are the arguments' (their message ids from the queue's sequence, which Citus never
-- reads on a shard): Citus makes them on the node the call runs on and writes each to its run's
-- shard.
insert into pgflow.step_tasks (flow_slug, run_id, step_slug, task_index, priority, visible_at)
select t.flow_slug, t.run_id, t.step_slug, 0, t.priority, now() + make_interval(secs => t.start_delay)
from unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::int[])
  as t (run_id, step_slug, flow_slug, priority, start_delay)
