-- args: run_id uuid, step_slug text, now timestamp with time zone
-- returns: fanout_policy text as crate::engine::words::FanoutPolicy, when_exhausted text as crate::engine::words::WhenFailed, initial_tasks integer,
--   timeout_seconds integer
-- $1 run_id, $2 step_slug, $3 the clock. The step's policy, size and fanout_timeout if it is started and that
-- timeout has passed (re-checked under the run's lock); nothing when it is not due (any more).
select s.fanout_policy, s.when_exhausted, ss.initial_tasks, s.opt_fanout_timeout as timeout_seconds
from pgflow.step_states ss
join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
where ss.run_id = $1 and ss.step_slug = $2 and ss.status = 'started'
  and ss.started_at <= $3 - make_interval(secs => s.opt_fanout_timeout)
