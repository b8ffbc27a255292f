-- $1 run_id, $2 step_slug, $3 task_index, $4 output, $5 worker_id. complete_tasks for a single
-- answer, in the same result shape: the completed task, then its step if no task of it is left.
-- Returns nothing when the task is not started (already answered, cancelled, waiting for a retry)
-- or, when $5 is given, when another worker holds its claim.
-- IS NOT DISTINCT FROM rather than = for the status: the lease index's predicate is
-- status = 'started', and a plan made while the queue was small would otherwise prefer scanning
-- every started task through it to the primary key lookup.
with task as (
  update pgflow.step_tasks t
  set status = 'completed', output = $4, completed_at = clock_timestamp()
  where t.run_id = $1 and t.step_slug = $2 and t.task_index = $3
    and t.status is not distinct from 'started' and ($5::uuid is null or t.worker_id = $5)
  returning t
), step as (
  update pgflow.step_states ss
  set remaining_tasks = ss.remaining_tasks - 1
  from task
  where ss.run_id = $1 and ss.step_slug = $2
  returning ss.remaining_tasks
)
select task.t as task, null::uuid as run_id, null::text as step_slug from task
union all
select null, $1, $2 from step where step.remaining_tasks = 0
