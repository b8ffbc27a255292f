-- $1 flow_slug. Started tasks whose lease ran out on their last allowed attempt: nobody may claim
-- them again, so they are failed instead of being left to hang their run.
select t.run_id, t.step_slug, t.task_index, t.attempts_count
from pgflow.step_tasks t
join pgflow.steps s on s.flow_slug = t.flow_slug and s.step_slug = t.step_slug
join pgflow.flows f on f.flow_slug = s.flow_slug
where t.flow_slug = $1
  and t.status = 'started'
  and t.visible_at <= clock_timestamp()
  and t.attempts_count >= coalesce(s.opt_max_attempts, f.opt_max_attempts)
for update of t skip locked
