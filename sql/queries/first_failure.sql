-- $1 run_id, $2 step_slug. The step's first task to run out of attempts, for the message of the
-- step's failure. Reads the step's tasks once, when the step fails.
select t.task_index, t.error_message
from pgflow.step_tasks t
where t.run_id = $1 and t.step_slug = $2 and t.status = 'failed'
order by t.failed_at, t.task_index
limit 1
