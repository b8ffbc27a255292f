-- args: flow_slug text, now timestamp with time zone
-- returns: kind text, run_id uuid, step_slug text null, timeout_seconds integer
-- $1 flow_slug (NULL: every flow), $2 the clock. Started runs past their flow's run_timeout, then started steps
-- past their fanout_timeout, at most 100 of them. Both are range scans of partial indexes that
-- hold only started runs and steps (runs_started_idx, step_states_started_idx), one per flow or
-- per step that has a timeout: the cost follows the deadlines due, never the number of tasks or
-- of started runs. The flows and steps with a timeout lead (a lateral subquery per flow or step):
-- joined the other way, a plan made while few runs were started reads every started run.
(select 'run' as kind, r.run_id, null::text as step_slug, f.opt_run_timeout as timeout_seconds
   from pgflow.flows f
   cross join lateral (
     select r.run_id from pgflow.runs r
      where r.flow_slug = f.flow_slug and r.status = 'started'
        and r.started_at <= $2 - make_interval(secs => f.opt_run_timeout)
      order by r.started_at
      limit 100) r
  where ($1::text is null or f.flow_slug = $1) and f.opt_run_timeout is not null
  limit 100)
union all
(select 'step', ss.run_id, s.step_slug::text, s.opt_fanout_timeout
   from pgflow.steps s
   cross join lateral (
     select ss.run_id from pgflow.step_states ss
      where ss.flow_slug = s.flow_slug and ss.step_slug = s.step_slug and ss.status = 'started'
        and ss.started_at <= $2 - make_interval(secs => s.opt_fanout_timeout)
      order by ss.started_at
      limit 100) ss
  where ($1::text is null or s.flow_slug = $1) and s.opt_fanout_timeout is not null
  limit 100)
