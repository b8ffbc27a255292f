-- args: run_id uuid, step_slug text, task_indexes integer[]
-- returns: task_index integer, item jsonb, subflow text, subflow_steps integer, priority integer,
--   root_run_id uuid
-- $1 run_id, $2 step_slug (a started sub-flow fan-out), $3 task indexes (NULL: all the step's
-- queued tasks). The tasks of these that are queued (new, or whose child run failed with attempts
-- left), locked, in task order, each with its item (its child's input); and what every child of
-- the step starts with: the sub-flow, its number of steps, the run's priority and tree (its root).
-- Nothing for a step that is not a started sub-flow fan-out. Child runs start from these
-- (hold_child_tasks.sql, create_child_runs.sql).
select t.task_index, t.item, p.subflow, p.subflow_steps, p.priority, p.root_run_id
from pgflow.step_tasks t
cross join (
  select r.root_run_id, r.priority, s.subflow,
         (select count(*) from pgflow.steps c where c.flow_slug = s.subflow)::int as subflow_steps
  from pgflow.runs r
  join pgflow.step_states ss on ss.run_id = r.run_id and ss.step_slug = $2
  join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
  where r.run_id = $1 and ss.run_id = $1 and ss.status = 'started' and s.subflow is not null
) p
where t.run_id = $1 and t.step_slug = $2 and t.status = 'queued'
  and ($3::int[] is null or t.task_index = any ($3::int[]))
order by t.task_index
for update of t
