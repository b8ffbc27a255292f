-- $1 run_id, $2 step_slug, $3 how many items its tasks that just ran out of attempts held (one per
-- task, a batch's items for a batch), $4 how many tasks those were. Counts the items off the
-- step (if it is still started) and returns what its failure policy needs to decide: the counters,
-- the policy, and for `threshold` the most failures the step survives, floor(N * (1 - threshold)).
-- Under max_concurrency each of them leaves its slot to the step's next waiting task.
with counted as (
  update pgflow.step_states ss
  set failed_tasks = ss.failed_tasks + $3,
      remaining_tasks = ss.remaining_tasks - $3
  where ss.run_id = $1 and ss.step_slug = $2 and ss.status = 'started'
  returning ss.flow_slug, ss.initial_tasks, ss.failed_tasks, ss.remaining_tasks
), released as (
  update pgflow.step_tasks w
  set visible_at = clock_timestamp()
  where w.ctid = any (array(
    select q.ctid
    from counted c
    join pgflow.steps s on s.flow_slug = c.flow_slug and s.step_slug = $2
    cross join lateral (
      select q.ctid from pgflow.step_tasks q
      where q.run_id = $1 and q.step_slug = $2 and q.status = 'queued' and q.visible_at = 'infinity'
      order by q.task_index
      limit $4
      for update skip locked) q
    where s.max_concurrency is not null))
)
select s.step_type, s.fanout_policy, s.when_exhausted,
       c.initial_tasks, c.failed_tasks, c.remaining_tasks,
       case when s.fanout_policy = 'threshold'
            then floor(c.initial_tasks * (1 - s.success_threshold))::int end as failure_limit
from counted c
join pgflow.steps s on s.flow_slug = c.flow_slug and s.step_slug = $2
