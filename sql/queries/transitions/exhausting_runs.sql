-- args: run_ids uuid[], step_slugs text[], task_indexes integer[], worker_id uuid, one_run uuid
-- returns: run_ids uuid[]
-- $1 run_ids, $2 step_slugs, $3 task_indexes (a batch of failures), $4 worker_id (may be NULL).
-- The runs in which one of these failures will exhaust its task (a started task on its last
-- attempt, held by the worker): only those need the run lock before the failures are written.
-- A task's attempts count changes only when it is claimed, which it cannot be while started.
select coalesce(array_agg(distinct t.run_id), '{}') as run_ids
from unnest($1::uuid[], $2::text[], $3::int[]) as a (run_id, step_slug, task_index)
join pgflow.step_tasks t
  on t.run_id = a.run_id and t.step_slug = a.step_slug and t.task_index = a.task_index
join pgflow.steps s on s.flow_slug = t.flow_slug and s.step_slug = t.step_slug
join pgflow.flows f on f.flow_slug = s.flow_slug
where t.status is not distinct from 'started' and ($4::uuid is null or t.worker_id = $4)
  and t.attempts_count >= coalesce(s.opt_max_attempts, f.opt_max_attempts)
  and pgflow_in_run(t.run_id, $5)
