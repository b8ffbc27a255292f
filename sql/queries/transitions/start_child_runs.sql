-- args: run_id uuid, step_slug text, task_indexes integer[], now timestamp with time zone
-- returns: run_id uuid, remaining_steps integer
-- $1 run_id, $2 step_slug (a started sub-flow fan-out), $3 task indexes (NULL: all the step's queued
-- tasks), $4 the clock. Starts one child run of the step's sub-flow for each of these tasks that is queued (a new
-- one, or one whose child run failed with attempts left), with the task's item as its input, in
-- one statement: the runs, their step states, and the task held by its child (started, counting an
-- attempt, worker_id the child's run_id so that only that child can answer it, and a lease that
-- never runs out: the child's own deadlines and retries govern it). A child inherits the run's
-- priority and tree. Returns each child with its number of steps, in task order; the caller starts
-- their ready steps.
with parent as (
  select r.root_run_id, r.priority, s.subflow
  from pgflow.runs r
  join pgflow.step_states ss on ss.run_id = r.run_id and ss.step_slug = $2
  join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
  where r.run_id = $1 and ss.status = 'started' and s.subflow is not null
), task as (
  select t.task_index, t.item, gen_random_uuid() as child_id
  from pgflow.step_tasks t
  where t.run_id = $1 and t.step_slug = $2 and t.status = 'queued'
    and ($3::int[] is null or t.task_index = any ($3::int[]))
  for update of t
), child as (
  insert into pgflow.runs (run_id, flow_slug, input, remaining_steps, priority, parent_run_id, parent_step_slug,
                           parent_task_index, root_run_id)
  select t.child_id, p.subflow, t.item, (select count(*) from pgflow.steps s where s.flow_slug = p.subflow),
         p.priority, $1, $2, t.task_index, p.root_run_id
  from task t cross join parent p
  returning run_id, flow_slug, remaining_steps, parent_task_index
), states as (
  insert into pgflow.step_states (run_id, flow_slug, step_slug, remaining_deps, initial_tasks)
  select c.run_id, s.flow_slug, s.step_slug, s.deps_count, case when s.step_type = 'single' then 1 end
  from child c
  join pgflow.steps s on s.flow_slug = c.flow_slug
), held as (
  update pgflow.step_tasks t
  set status = 'started', attempts_count = t.attempts_count + 1, started_at = $4,
      visible_at = 'infinity', worker_id = c.run_id
  from child c
  where t.run_id = $1 and t.step_slug = $2 and t.task_index = c.parent_task_index
)
select c.run_id, c.remaining_steps from child c order by c.parent_task_index
