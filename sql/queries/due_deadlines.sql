-- $1 flow_slug (NULL: every flow). Started runs past their flow's run_timeout, then started steps
-- past their fanout_timeout, at most 100 of them. Both are range scans of partial indexes that
-- hold only started runs and steps (runs_started_idx, step_states_started_idx), one per flow or
-- per step that has a timeout: the cost follows the deadlines due, never the number of tasks.
(select 'run' as kind, r.run_id, null::text as step_slug, f.opt_run_timeout as timeout_seconds
   from pgflow.flows f
   join pgflow.runs r on r.flow_slug = f.flow_slug and r.status = 'started'
    and r.started_at <= (select clock_timestamp()) - make_interval(secs => f.opt_run_timeout)
  where ($1::text is null or f.flow_slug = $1) and f.opt_run_timeout is not null
  limit 100)
union all
(select 'step', ss.run_id, ss.step_slug, s.opt_fanout_timeout
   from pgflow.steps s
   join pgflow.step_states ss on ss.flow_slug = s.flow_slug and ss.step_slug = s.step_slug
    and ss.status = 'started'
    and ss.started_at <= (select clock_timestamp()) - make_interval(secs => s.opt_fanout_timeout)
  where ($1::text is null or s.flow_slug = $1) and s.opt_fanout_timeout is not null
  limit 100)
