-- args: run_id uuid, step_slug text, max_groups integer
-- returns: error_message text null, items bigint, first_task_index integer, last_failed_at timestamp with time zone null
-- $1 run_id, $2 step_slug, $3 at most this many groups. The step's failed tasks grouped by the kind
-- of their error (pgflow_error_kind: the message, ids put as '…'), the biggest group first (then
-- the one whose first task comes first): how many, the first task and when the last one failed.
-- It reads the step's failed tasks (step_tasks_failed_idx): its cost grows with what failed, not
-- with the step.
select pgflow_error_kind(t.error_message) as error_message, count(*) as items, min(t.task_index) as first_task_index, max(t.failed_at) as last_failed_at
from pgflow.step_tasks t
where t.run_id = $1 and t.step_slug = $2 and t.status = 'failed'
group by pgflow_error_kind(t.error_message)
order by count(*) desc, min(t.task_index)
limit $3
