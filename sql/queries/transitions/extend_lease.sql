-- args: run_id uuid, step_slug text, task_index integer, seconds integer, worker_id uuid,
--   now timestamp with time zone
-- returns: lease_ends_at timestamp with time zone null
-- $1 run_id, $2 step_slug, $3 task_index, $4 seconds, $5 worker_id (NULL: any holder), $6 the clock.
-- A heartbeat: the lease of a started task held by the worker now ends $4 seconds from now.
-- Returns the new lease end; nothing when the task is not started or another worker holds it.
update pgflow.step_tasks t
set visible_at = $6 + make_interval(secs => $4)
where t.run_id = $1 and t.step_slug = $2 and t.task_index = $3
  and t.status is not distinct from 'started' and ($5::uuid is null or t.worker_id = $5)
returning t.visible_at as lease_ends_at
