-- args: flow_slug text, status text, before_started_at timestamp with time zone, max_rows integer, before_run_id uuid
-- returns: run_id uuid, flow_slug text, status text,
--   started_at timestamp with time zone, finished_at timestamp with time zone null,
--   remaining_steps integer, error_message text null, priority integer,
--   run_key text null, redrive_count integer
-- One node only: the Citus mode reads list_runs_across_nodes.sql (Citus cannot push a LIMIT in a
-- lateral subquery down to its shards).
-- $1 flow_slug (NULL: every flow), $2 status (NULL: any), $3 started at or after (NULL: any time),
-- $4 at most this many, $5 before this run (a page's last run: the next page; NULL: the newest).
-- Top-level runs, newest first (started_at, then run_id, descending); the runs below them are
-- read with run_tree. Each (flow, status) pair is read from runs_list_idx as its own ordered range
-- of at most $4 rows, and the pairs merged: a page reads at most flows x statuses x $4 entries,
-- however many runs are kept.
with before as (
  select r.started_at, r.run_id from pgflow.runs r where r.run_id = $5
)
select p.run_id, p.flow_slug, p.status, p.started_at, p.finished_at, p.remaining_steps, p.error_message,
       p.priority, p.run_key, p.redrive_count
from pgflow.flows f
cross join unnest(array['started', 'completed', 'failed', 'cancelled']) as s (status)
cross join lateral (
  select r.run_id, r.flow_slug::text as flow_slug, r.status, r.started_at,
         coalesce(r.completed_at, r.failed_at, r.cancelled_at) as finished_at, r.remaining_steps,
         r.error_message, r.priority, r.run_key, r.redrive_count
  from pgflow.runs r
  where r.flow_slug = f.flow_slug and r.status = s.status and r.parent_run_id is null
    and ($3::timestamptz is null or r.started_at >= $3)
    and ($5::uuid is null or (r.started_at, r.run_id) < (select b.started_at, b.run_id from before b))
  order by r.started_at desc, r.run_id desc
  limit $4
) p
where ($1::text is null or f.flow_slug = $1) and ($2::text is null or s.status = $2)
order by p.started_at desc, p.run_id desc
limit $4
