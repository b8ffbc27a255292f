-- args: flow_slug text
-- returns: nothing
-- $1 flow_slug. Started tasks whose lease ran out (their worker is presumed dead) and that have
-- attempts left go back to the queue at once; rows another transaction holds are left for the
-- next poll rather than waited for. (Those on their last attempt: expired_last_attempts.sql.)
-- The bound on visible_at is a subquery, evaluated once, so that it is an index condition
-- (clock_timestamp() itself is volatile and would be a filter applied to every entry of the flow).
update pgflow.step_tasks t
set status = 'queued'
where t.ctid = any (array(
    select q.ctid
    from pgflow.step_tasks q
    join pgflow.steps s on s.flow_slug = q.flow_slug and s.step_slug = q.step_slug
    join pgflow.flows f on f.flow_slug = s.flow_slug
    where q.flow_slug = $1
      and q.status = 'started'
      and q.visible_at <= (select clock_timestamp())
      and q.attempts_count < coalesce(s.opt_max_attempts, f.opt_max_attempts)
    for update of q skip locked))
