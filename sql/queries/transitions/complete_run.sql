-- args: run_id uuid, now timestamp with time zone
-- returns: run_id uuid, output jsonb, parent_run_id uuid null,
--   parent_step_slug text null, parent_task_index integer null, flow_slug text
-- $1 run_id (a started run with no step left), $2 the clock. Its output maps each completed leaf step (one no
-- other step depends on) to that step's output; skipped leaves are left out.
-- Returns the run with its output, its flow, and, for a child run, the task it works for.
with completed as (
  update pgflow.runs r
  set status = 'completed',
      completed_at = $2,
      output = coalesce(
        (select jsonb_object_agg(ss.step_slug, ss.output)
           from pgflow.step_states ss
          where ss.run_id = $1
            and ss.status = 'completed'
            and not exists (select from pgflow.deps d
                             where d.flow_slug = ss.flow_slug and d.dep_slug = ss.step_slug)),
        '{}'::jsonb)
  where r.run_id = $1 and r.status = 'started' and r.remaining_steps = 0
  returning r.run_id, r.flow_slug, r.output, r.parent_run_id, r.parent_step_slug, r.parent_task_index
)
select c.run_id, c.output, c.parent_run_id, c.parent_step_slug, c.parent_task_index, c.flow_slug from completed c
