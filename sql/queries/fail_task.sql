-- $1 run_id, $2 step_slug, $3 task_index, $4 error message. fail_tasks for a single answer, in the
-- same result shape. A started task goes back to the queue
-- after base_delay * 2^(attempts_count - 1) seconds while attempts remain, else it fails.
-- Returns nothing when the task is not started.
with task as (
  select t.run_id, t.step_slug, t.task_index, t.attempts_count,
         coalesce(s.opt_max_attempts, f.opt_max_attempts) as max_attempts,
         coalesce(s.opt_base_delay, f.opt_base_delay) as base_delay
  from pgflow.step_tasks t
  join pgflow.steps s on s.flow_slug = t.flow_slug and s.step_slug = t.step_slug
  join pgflow.flows f on f.flow_slug = s.flow_slug
  where t.run_id = $1 and t.step_slug = $2 and t.task_index = $3 and t.status = 'started'
  for update of t
)
update pgflow.step_tasks t
set status = case when task.attempts_count < task.max_attempts then 'queued' else 'failed' end,
    error_message = $4,
    failed_at = case when task.attempts_count < task.max_attempts then null else clock_timestamp() end,
    -- The exponent is capped so a large attempts count cannot overflow the interval.
    visible_at = case when task.attempts_count < task.max_attempts
      then clock_timestamp() + make_interval(
             secs => task.base_delay * power(2, least(greatest(task.attempts_count - 1, 0), 20)))
      else t.visible_at end
from task
where t.run_id = task.run_id and t.step_slug = task.step_slug and t.task_index = task.task_index
returning t, t.status = 'failed' as exhausted
