-- $1 run_id, $2 step_slug, $3 task_index. Which part of a task reference is unknown, if any.
select exists (select from pgflow.runs where run_id = $1) as run_exists,
       exists (select from pgflow.step_states where run_id = $1 and step_slug = $2) as step_exists,
       exists (select from pgflow.step_tasks
                where run_id = $1 and step_slug = $2 and task_index = $3) as task_exists
