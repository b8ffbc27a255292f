-- args: run_id uuid, step_slug text, buckets integer, now timestamp with time zone
-- returns: bucket integer, bucket_start timestamp with time zone, bucket_end timestamp with time zone,
--   completed bigint, failed bigint, every_nth integer
-- $1 run_id, $2 step_slug, $3 how many buckets, $4 the clock (the end while the step runs). How
-- the step's tasks finished over time: its span, from its start to its end (or $4), cut in $3
-- equal buckets, each with the tasks that completed and failed in it (a batch counts as one task).
-- Every bucket comes, empty ones too.
-- Its cost does not grow with the step (the dashboard reads it every few seconds): a step of up
-- to 10,000 tasks is read whole (every_nth = 1); past that, every every_nth task by index (at most
-- 10,000, each a probe of step_tasks_pkey whatever the planner's statistics say), and what they
-- count is scaled to the step's size, which the step's last task, at the end of that index, gives.
-- Failures are rarer and matter more: while a step has at most 10,000 of them, each is counted
-- (step_tasks_failed_idx) rather than sampled.
with span as (
  select ss.started_at as t0, greatest(coalesce(ss.completed_at, ss.failed_at, $4), ss.started_at + interval '1 ms') as t1
  from pgflow.step_states ss
  where ss.run_id = $1 and ss.step_slug = $2 and ss.started_at is not null
), sample as (
  select z.tasks, ceil(z.tasks / 10000.0)::int as every_nth
  from (select t.task_index + 1 as tasks
        from pgflow.step_tasks t
        where t.run_id = $1 and t.step_slug = $2
        order by t.task_index desc
        limit 1) z
), failures_each as (
  select count(*) <= 10000 as yes
  from (select from pgflow.step_tasks t
        where t.run_id = $1 and t.step_slug = $2 and t.status = 'failed'
        limit 10001) f
), finished as (
  select t.status, coalesce(t.completed_at, t.failed_at) as at, 1::numeric as weight
  from pgflow.step_tasks t
  where t.run_id = $1 and t.step_slug = $2 and t.status in ('completed', 'failed')
    and (select p.every_nth from sample p) = 1
  union all
  -- A sampled task stands for every_nth tasks (a little fewer for an uneven step).
  select s.status, s.at, p.tasks::numeric / ceil(p.tasks::numeric / p.every_nth)
  from sample p
  cross join generate_series(0, p.tasks - 1, p.every_nth) as i (task_index)
  cross join lateral (
    select t.status, coalesce(t.completed_at, t.failed_at) as at
    from pgflow.step_tasks t
    where t.run_id = $1 and t.step_slug = $2 and t.task_index = i.task_index and t.status in ('completed', 'failed')
    limit 1) s
  where p.every_nth > 1
    and (s.status = 'completed' or not (select f.yes from failures_each f))
  union all
  select t.status, t.failed_at, 1
  from pgflow.step_tasks t
  where t.run_id = $1 and t.step_slug = $2 and t.status = 'failed'
    and (select p.every_nth from sample p) > 1 and (select f.yes from failures_each f)
), bucketed as (
  select least(width_bucket(extract(epoch from f.at), extract(epoch from s.t0), extract(epoch from s.t1), $3), $3) as bucket,
         round(sum(f.weight) filter (where f.status = 'completed'))::bigint as completed,
         round(sum(f.weight) filter (where f.status = 'failed'))::bigint as failed
  from span s
  cross join finished f
  group by 1
)
select b.bucket, s.t0 + (s.t1 - s.t0) * (b.bucket - 1) / $3 as bucket_start, s.t0 + (s.t1 - s.t0) * b.bucket / $3 as bucket_end,
       coalesce(f.completed, 0) as completed, coalesce(f.failed, 0) as failed,
       coalesce((select p.every_nth from sample p), 1) as every_nth
from span s
cross join generate_series(1, $3) as b (bucket)
left join bucketed f on f.bucket = b.bucket
order by b.bucket
