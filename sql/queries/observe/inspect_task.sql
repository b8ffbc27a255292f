-- args: run_id uuid, step_slug text, task_index integer
-- returns: flow_slug text, status text, input jsonb, output jsonb null, error_message text null,
--   attempts_count integer, attempt_errors jsonb null, worker_id uuid null,
--   queued_at timestamp with time zone, started_at timestamp with time zone null,
--   lease_until timestamp with time zone null, completed_at timestamp with time zone null,
--   failed_at timestamp with time zone null, first_index integer null
-- $1 run_id, $2 step_slug, $3 task_index. One task as a person inspects it: the input its handler
-- gets (as claim_tasks.sql makes it), its output or error, its attempts and the errors of the
-- failed ones (attempt_errors, oldest first: attempt, error, worker_id, at), the worker holding it
-- and until when (its lease, while it runs). One row by primary key.
select t.flow_slug::text, t.status,
       pgflow_task_input(t.item, t.first_index, r.input, $1, t.flow_slug, t.step_slug) as input,
       t.output, t.error_message, t.attempts_count, t.attempt_errors, t.worker_id, t.queued_at, t.started_at,
       case when t.status = 'started' then t.visible_at end as lease_until, t.completed_at, t.failed_at,
       t.first_index
from pgflow.step_tasks t
join pgflow.runs r on r.run_id = t.run_id
where t.run_id = $1 and t.step_slug = $2 and t.task_index = $3 and r.run_id = $1
