-- args: flow_slug text, now timestamp with time zone
-- returns: run_id uuid, step_slug text, task_index integer,
--   attempts_count integer
-- $1 flow_slug, $2 the clock. Started tasks whose lease ran out on their last attempt: no poll can claim them
-- again, so the caller fails them (through fail_tasks, under their runs' locks) lest their runs
-- hang. Reads only; the lease index bounds it to the expired leases. No ORDER BY (the caller
-- sorts the few rows): one in the primary key's order let a plan made from the statistics of an
-- empty queue read the whole primary key instead (0.9.0: 18,000 buffers a look, every 100 ms).
select q.run_id, q.step_slug, q.task_index, q.attempts_count
from pgflow.step_tasks q
join pgflow.steps s on s.flow_slug = q.flow_slug and s.step_slug = q.step_slug
join pgflow.flows f on f.flow_slug = s.flow_slug
where q.flow_slug = $1
  and q.status = 'started'
  and q.visible_at <= $2
  and q.attempts_count >= coalesce(s.opt_max_attempts, f.opt_max_attempts)
