-- args: run_id uuid, step_slug text, buckets integer, now timestamp with time zone
-- returns: bucket integer, bucket_start timestamp with time zone, bucket_end timestamp with time zone,
--   completed bigint, failed bigint
-- $1 run_id, $2 step_slug, $3 how many buckets, $4 the clock (the end while the step runs). How
-- the step's tasks finished over time: its span, from its start to its end (or $4), cut in $3
-- equal buckets, each with the tasks that completed and failed in it (a batch counts as one task).
-- Every bucket comes, empty ones too. It reads every task of the step once (step_tasks_pkey): the
-- dashboard reads it again every few seconds at most.
with span as (
  select ss.started_at as t0, greatest(coalesce(ss.completed_at, ss.failed_at, $4), ss.started_at + interval '1 ms') as t1
  from pgflow.step_states ss
  where ss.run_id = $1 and ss.step_slug = $2 and ss.started_at is not null
), finished as (
  select least(width_bucket(extract(epoch from coalesce(t.completed_at, t.failed_at)),
                            extract(epoch from s.t0), extract(epoch from s.t1), $3), $3) as bucket,
         count(*) filter (where t.status = 'completed') as completed,
         count(*) filter (where t.status = 'failed') as failed
  from span s
  join pgflow.step_tasks t on t.run_id = $1 and t.step_slug = $2 and t.status in ('completed', 'failed')
  group by 1
)
select b.bucket, s.t0 + (s.t1 - s.t0) * (b.bucket - 1) / $3 as bucket_start, s.t0 + (s.t1 - s.t0) * b.bucket / $3 as bucket_end,
       coalesce(f.completed, 0) as completed, coalesce(f.failed, 0) as failed
from span s
cross join generate_series(1, $3) as b (bucket)
left join finished f on f.bucket = b.bucket
order by b.bucket
