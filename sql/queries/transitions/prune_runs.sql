-- args: older_than interval, flow_slug text, max_runs integer, now timestamp with time zone
-- returns: pruned bigint
-- One node only: the Citus mode finds the candidates with prune_candidates.sql and deletes each
-- tree by its runs (tree_runs.sql, delete_runs.sql).
-- $1 older_than, $2 flow_slug (NULL: every flow), $3 at most this many runs, $4 the clock. Deletes
-- finished runs (completed, failed, cancelled) that finished before $4 - older_than, oldest first, with their
-- step states and tasks. A run that someone holds (a redrive under way takes its lock and row) is
-- left for a later call; an unfinished run is never touched. A tree of sub-flow runs goes whole,
-- with its top-level run (a child run is never pruned alone, and a finished top-level run has no
-- unfinished child). Returns how many top-level runs it deleted.
with candidate as materialized (
  select r.run_id, r.finished_at
  from pgflow.flows f
  cross join lateral (
    select r.run_id, coalesce(r.completed_at, r.failed_at, r.cancelled_at) as finished_at
    from pgflow.runs r
    where r.flow_slug = f.flow_slug and r.status <> 'started' and r.parent_run_id is null
      and coalesce(r.completed_at, r.failed_at, r.cancelled_at) < $4 - $1::interval
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
  where r.status <> 'started' and pgflow_run_tree_try_lock(r.run_id)
  for update of r skip locked
), tree as materialized (
  select v.run_id from victim v
  union all
  select d.run_id from victim v join pgflow.runs d on d.root_run_id = v.run_id and d.parent_run_id is not null
), tasks as (
  delete from pgflow.step_tasks t where t.run_id = any (array(select run_id from tree))
), parts as (
  delete from pgflow.step_parts p where p.run_id = any (array(select run_id from tree))
), states as (
  delete from pgflow.step_states ss where ss.run_id = any (array(select run_id from tree))
), deleted as (
  delete from pgflow.runs r where r.run_id = any (array(select run_id from tree))
  returning r.parent_run_id is null as top_level
)
select count(*) filter (where d.top_level) as pruned from deleted d
