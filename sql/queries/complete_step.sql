-- $1 run_id, $2 step_slug (a started step whose tasks are all completed).
-- Stores the step output (a fan-out's task outputs as one array in task_index order), releases
-- the dependents and counts the step off the run. Returns the run's remaining steps.
with done as (
  update pgflow.step_states ss
  set status = 'completed',
      completed_at = clock_timestamp(),
      remaining_tasks = 0,
      output = case
        when s.step_type = 'fanout' then coalesce(
          (select jsonb_agg(t.output order by t.task_index)
             from pgflow.step_tasks t
            where t.run_id = ss.run_id and t.step_slug = ss.step_slug),
          '[]'::jsonb)
        else
          (select t.output from pgflow.step_tasks t
            where t.run_id = ss.run_id and t.step_slug = ss.step_slug and t.task_index = 0)
      end
  from pgflow.steps s
  where ss.run_id = $1 and ss.step_slug = $2 and ss.status = 'started'
    and s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
  returning ss.flow_slug
), released as (
  update pgflow.step_states ss
  set remaining_deps = ss.remaining_deps - 1
  from done, pgflow.deps d
  where d.flow_slug = done.flow_slug and d.dep_slug = $2
    and ss.run_id = $1 and ss.step_slug = d.step_slug
)
update pgflow.runs r
set remaining_steps = r.remaining_steps - 1
from done
where r.run_id = $1
returning r.remaining_steps
