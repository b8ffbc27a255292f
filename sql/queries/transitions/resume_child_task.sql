-- args: run_id uuid, step_slug text, task_index integer, child_run_id uuid, now timestamp with time zone
-- returns: run_id uuid
-- $1 run_id (being redriven; the caller holds its tree's lock), $2 step_slug, $3 task_index, $4 the
-- task's last child run, which failed or was cancelled, $5 the clock. resume_child_runs.sql for one
-- task, in the Citus mode, where the child is on another shard and the caller read its status: the
-- queued task is held by that child again (started, one attempt), which the caller redrives.
-- Returns the child when the task was so held.
update pgflow.step_tasks t
set status = 'started', attempts_count = 1, started_at = $5, visible_at = 'infinity'
where t.run_id = $1 and t.step_slug = $2 and t.task_index = $3 and t.status = 'queued' and t.worker_id = $4
returning t.worker_id as run_id
