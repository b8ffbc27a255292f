-- args: run_id uuid, step_slug text
-- returns: task_index integer, error_message text null
-- $1 run_id, $2 step_slug. The step's first task to run out of attempts, for the message of the
-- step's failure, by the index of its (first) item. Reads the step's tasks once, when the step fails.
select coalesce(t.first_index, t.task_index) as task_index, t.error_message
from pgflow.step_tasks t
where t.run_id = $1 and t.step_slug = $2 and t.status = 'failed'
order by t.failed_at, t.task_index
limit 1
