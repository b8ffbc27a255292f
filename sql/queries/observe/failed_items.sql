-- args: run_id uuid, step_slug text, error_message text, after_task_index integer, max_rows integer
-- returns: task_index integer, error_message text null, attempts_count integer,
--   failed_at timestamp with time zone null
-- $1 run_id, $2 step_slug, $3 only the tasks whose error is of this kind (pgflow_error_kind, as
-- failure_groups.sql names it; NULL: any), $4 after this task (-1: from the first), $5 at most
-- this many. The step's failed tasks in task order: one ordered range of step_tasks_failed_idx
-- from the cursor (passing, with an error kind, the failed tasks of other kinds).
select t.task_index, t.error_message, t.attempts_count, t.failed_at
from pgflow.step_tasks t
where t.run_id = $1 and t.step_slug = $2 and t.task_index > $4 and t.status = 'failed'
  and ($3::text is null or pgflow_error_kind(t.error_message) = $3)
order by t.task_index
limit $5
