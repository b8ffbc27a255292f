-- args: run_id uuid, step_slug text
-- returns: status text, step_type text, initial_tasks integer null,
--   when_exhausted text as crate::engine::words::WhenFailed, flow_slug text, priority integer
-- $1 run_id, $2 step_slug. What spawn_fanout_tasks needs to know before spawning, and what a
-- step whose end failed does (when_exhausted: machine::finish_step), and the run's flow and priority.
select ss.status, s.step_type, ss.initial_tasks, s.when_exhausted, ss.flow_slug, r.priority
from pgflow.step_states ss
join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
join pgflow.runs r on r.run_id = $1
where ss.run_id = $1 and ss.step_slug = $2
