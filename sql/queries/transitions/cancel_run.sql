-- args: run_id uuid, now timestamp with time zone
-- returns: run_id uuid, parent_run_id uuid null, parent_step_slug text null,
--   parent_task_index integer null, flow_slug text
-- $1 run_id, $2 the clock. Marks a started run cancelled; returns nothing when it is not
-- started any more, and for a child run the task it works for.
with cancelled as (
  update pgflow.runs
  set status = 'cancelled', cancelled_at = $2
  where run_id = $1 and status = 'started'
  returning run_id, flow_slug, parent_run_id, parent_step_slug, parent_task_index
)
select c.run_id, c.parent_run_id, c.parent_step_slug, c.parent_task_index, c.flow_slug from cancelled c
