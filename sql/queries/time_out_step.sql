-- $1 run_id, $2 step_slug. If the step is started and its fanout_timeout has passed (re-checked
-- under the run's lock), cancels its unfinished tasks, each recording 'timed out'. Returns the
-- step's policy and size, its timeout and how many tasks were unfinished; nothing when it is not
-- due (any more).
with due as materialized (
  select ss.initial_tasks, s.fanout_policy, s.when_exhausted, s.opt_fanout_timeout
  from pgflow.step_states ss
  join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
  where ss.run_id = $1 and ss.step_slug = $2 and ss.status = 'started'
    and ss.started_at <= clock_timestamp() - make_interval(secs => s.opt_fanout_timeout)
), cancelled as (
  update pgflow.step_tasks t
  set status = 'cancelled', error_message = 'timed out'
  from due
  where t.run_id = $1 and t.step_slug = $2 and t.status in ('queued', 'started')
  returning 1
)
select d.fanout_policy, d.when_exhausted, d.initial_tasks, d.opt_fanout_timeout as timeout_seconds,
       (select count(*)::int from cancelled) as unfinished
from due d
