-- args: run_id uuid, step_slug text, task_indexes integer[], child_ids uuid[], now timestamp with time zone
-- returns: none
-- $1 run_id, $2 step_slug: tasks of a sub-flow fan-out that child_tasks.sql locked, $3 their
-- indexes, $4 the child run each is handed to (its id, made by the caller), $5 the clock. Each
-- task is held by its child: started, counting an attempt, worker_id the child's run_id so that
-- only that child can answer it, and a lease that never runs out (the child's own deadlines and
-- retries govern it).
update pgflow.step_tasks t
set status = 'started', attempts_count = t.attempts_count + 1, started_at = $5,
    visible_at = 'infinity', worker_id = c.child_id
from unnest($3::int[], $4::uuid[]) as c (task_index, child_id)
where t.run_id = $1 and t.step_slug = $2 and t.task_index = c.task_index
