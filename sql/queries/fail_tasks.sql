-- $1 run_ids, $2 step_slugs, $3 task_indexes, $4 error messages (parallel arrays), $5 worker_id
-- (when given, only tasks that worker holds are answered).
-- A started task goes back to the queue after base_delay * 2^(attempts_count - 1) seconds while
-- attempts remain, else it fails; the caller then fails its run. Tasks that are not started
-- (late answers) stay as they are. Tasks are locked in key order, as in complete_tasks.
with answer as (
  select distinct on (a.run_id, a.step_slug, a.task_index) a.run_id, a.step_slug, a.task_index, a.message
  from unnest($1::uuid[], $2::text[], $3::int[], $4::text[]) with ordinality
       as a (run_id, step_slug, task_index, message, ord)
  order by a.run_id, a.step_slug, a.task_index, a.ord
), task as materialized (
  -- Each answer locks its task by primary key, in key order, as in complete_tasks.
  select t.run_id, t.step_slug, t.task_index, t.attempts_count, a.message,
         coalesce(s.opt_max_attempts, f.opt_max_attempts) as max_attempts,
         coalesce(s.opt_base_delay, f.opt_base_delay) as base_delay
  from answer a
  cross join lateral (
    select t.run_id, t.step_slug, t.task_index, t.attempts_count, t.flow_slug
    from pgflow.step_tasks t
    where t.run_id = a.run_id and t.step_slug = a.step_slug and t.task_index = a.task_index
      and t.status is not distinct from 'started' and ($5::uuid is null or t.worker_id = $5)
    for update of t
  ) t
  join pgflow.steps s on s.flow_slug = t.flow_slug and s.step_slug = t.step_slug
  join pgflow.flows f on f.flow_slug = s.flow_slug
)
update pgflow.step_tasks t
set status = case when task.attempts_count < task.max_attempts then 'queued' else 'failed' end,
    error_message = task.message,
    failed_at = case when task.attempts_count < task.max_attempts then null else clock_timestamp() end,
    -- The exponent is capped so a large attempts count cannot overflow the interval.
    visible_at = case when task.attempts_count < task.max_attempts
      then clock_timestamp() + make_interval(
             secs => task.base_delay * power(2, least(greatest(task.attempts_count - 1, 0), 20)))
      else t.visible_at end
from task
where t.run_id = task.run_id and t.step_slug = task.step_slug and t.task_index = task.task_index
returning t, t.status = 'failed' as exhausted
