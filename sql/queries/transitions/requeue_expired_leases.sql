-- args: flow_slug text, now timestamp with time zone
-- returns: nothing
-- $1 flow_slug, $2 the clock. Started tasks whose lease ran out (their worker is presumed dead) and that have
-- attempts left go back to the queue at once; rows another transaction holds are left for the
-- next poll rather than waited for. (Those on their last attempt: expired_last_attempts.sql.)
update pgflow.step_tasks t
set status = 'queued'
where t.ctid = any (array(
    select q.ctid
    from pgflow.step_tasks q
    join pgflow.steps s on s.flow_slug = q.flow_slug and s.step_slug = q.step_slug
    join pgflow.flows f on f.flow_slug = s.flow_slug
    where q.flow_slug = $1
      and q.status = 'started'
      and q.visible_at <= $2
      and q.attempts_count < coalesce(s.opt_max_attempts, f.opt_max_attempts)
    for update of q skip locked))
