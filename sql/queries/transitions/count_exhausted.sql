-- args: run_id uuid, step_slug text, task_indexes integer[], items integer[], now timestamp with time zone
-- returns: step_type text, fanout_policy text as crate::engine::words::FanoutPolicy, when_exhausted text as crate::engine::words::WhenFailed,
--   initial_tasks integer, failed_tasks integer, remaining_tasks integer,
--   failure_limit integer null
-- $1 run_id, $2 step_slug, $3 task_indexes of its tasks that just ran out of attempts, $4 the items
-- each held (one, or a batch's), $5 the clock. The caller holds the run's lock exclusively. Counts the items off
-- the step (if it is still started) and off their parts (see step_parts in schema.sql; a part this
-- ends moves its completions to the step's row), and returns what the step's failure policy needs
-- to decide: the counters, the policy, and for `threshold` the most failures the step survives,
-- floor(N * (1 - threshold)). Under max_concurrency each of them leaves its slot to the step's next
-- waiting task.
with lost as (
  -- A task's part is its shard (see step_parts in schema.sql).
  select t.shard as part, sum(x.items)::int as items
  from unnest($3::int[], $4::int[]) as x (task_index, items)
  join pgflow.step_tasks t on t.run_id = $1 and t.step_slug = $2 and t.task_index = x.task_index
  group by 1
), part as (
  update pgflow.step_parts p
  set remaining = p.remaining - l.items
  from lost l
  where p.run_id = $1 and p.step_slug = $2 and p.part = l.part
    and exists (select from pgflow.step_states ss where ss.run_id = $1 and ss.step_slug = $2 and ss.status = 'started')
  returning p.remaining, p.completed
), ended as (
  select coalesce(sum(p.completed) filter (where p.remaining = 0), 0)::int as completed,
         coalesce((select sum(l.items) from lost l), 0)::int as failed
  from part p
), counted as (
  update pgflow.step_states ss
  set failed_tasks = ss.failed_tasks + e.failed,
      completed_tasks = ss.completed_tasks + e.completed,
      remaining_tasks = ss.remaining_tasks - e.failed - e.completed
  from ended e
  where ss.run_id = $1 and ss.step_slug = $2 and ss.status = 'started'
  returning ss.flow_slug, ss.initial_tasks, ss.failed_tasks, ss.remaining_tasks
), released as (
  update pgflow.step_tasks w
  set visible_at = $5
  where pgflow_in_run(w.run_id, $1) and w.ctid = any (array(
    select q.ctid
    from counted c
    join pgflow.steps s on s.flow_slug = c.flow_slug and s.step_slug = $2
    cross join lateral (
      select q.ctid from pgflow.step_tasks q
      where q.run_id = $1 and q.step_slug = $2 and q.status = 'queued' and q.visible_at = 'infinity'
      order by q.task_index
      limit cardinality($3::int[])
      for update skip locked) q
    where s.max_concurrency is not null))
)
select s.step_type, s.fanout_policy, s.when_exhausted,
       c.initial_tasks, c.failed_tasks, c.remaining_tasks,
       case when s.fanout_policy = 'threshold'
            then floor(c.initial_tasks * (1 - s.success_threshold))::int end as failure_limit
from counted c
join pgflow.steps s on s.flow_slug = c.flow_slug and s.step_slug = $2
