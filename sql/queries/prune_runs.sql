-- $1 older_than, $2 flow_slug (NULL: every flow), $3 at most this many runs. Deletes finished runs
-- (completed, failed, cancelled) that finished before now() - older_than, oldest first, with their
-- step states and tasks. A run that someone holds (a redrive under way takes its lock and row) is
-- left for a later call; an unfinished run is never touched. Returns how many runs it deleted.
with candidate as materialized (
  select r.run_id, r.finished_at
  from pgflow.flows f
  cross join lateral (
    select r.run_id, coalesce(r.completed_at, r.failed_at, r.cancelled_at) as finished_at
    from pgflow.runs r
    where r.flow_slug = f.flow_slug and r.status <> 'started'
      and coalesce(r.completed_at, r.failed_at, r.cancelled_at) < clock_timestamp() - $1::interval
    order by coalesce(r.completed_at, r.failed_at, r.cancelled_at)
    limit $3
  ) r
  where $2::text is null or f.flow_slug = $2
  order by r.finished_at
  limit $3
), victim as materialized (
  select r.run_id
  from pgflow.runs r
  join candidate c on c.run_id = r.run_id
  where r.status <> 'started' and pg_try_advisory_xact_lock(1885824620, hashtext(r.run_id::text))
  for update of r skip locked
), tasks as (
  delete from pgflow.step_tasks t using victim v where t.run_id = v.run_id
), states as (
  delete from pgflow.step_states ss using victim v where ss.run_id = v.run_id
), deleted as (
  delete from pgflow.runs r using victim v where r.run_id = v.run_id
  returning 1
)
select count(*) as pruned from deleted
