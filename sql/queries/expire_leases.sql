-- $1 flow_slug. Started tasks whose lease ran out (their worker is presumed dead): those with
-- attempts left go back to the queue at once; those on their last attempt are returned, still
-- started, for the caller to fail, so that their run does not hang.
with expired as materialized (
  select t.run_id, t.step_slug, t.task_index, t.attempts_count,
         coalesce(s.opt_max_attempts, f.opt_max_attempts) as max_attempts
  from pgflow.step_tasks t
  join pgflow.steps s on s.flow_slug = t.flow_slug and s.step_slug = t.step_slug
  join pgflow.flows f on f.flow_slug = s.flow_slug
  where t.flow_slug = $1
    and t.status = 'started'
    -- A subquery, evaluated once, so that the bound is an index condition (clock_timestamp()
    -- itself is volatile and would be a filter applied to every entry of the flow).
    and t.visible_at <= (select clock_timestamp())
  for update of t skip locked
), requeued as (
  update pgflow.step_tasks t
  set status = 'queued'
  from expired e
  where t.run_id = e.run_id and t.step_slug = e.step_slug and t.task_index = e.task_index
    and e.attempts_count < e.max_attempts
)
select e.run_id, e.step_slug, e.task_index, e.attempts_count
from expired e
where e.attempts_count >= e.max_attempts
