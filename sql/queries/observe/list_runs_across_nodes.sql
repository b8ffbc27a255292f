-- args: flow_slug text, status text, before_started_at timestamp with time zone, max_rows integer, before_run_id uuid
-- returns: run_id uuid, flow_slug text, status text,
--   started_at timestamp with time zone, finished_at timestamp with time zone null,
--   remaining_steps integer, error_message text null, priority integer,
--   run_key text null, redrive_count integer
-- Across nodes: list_runs.sql in the Citus mode, which cannot push its (flow, status) ranges down
-- to the shards (a LIMIT in a lateral subquery); this one each shard answers with its newest
-- $4 top-level runs (runs_list_idx when a flow and a status are given), which Citus merges.
-- $1 flow_slug (NULL: every flow), $2 status (NULL: any), $3 started at or after (NULL: any time),
-- $4 at most this many, $5 before this run (a page's last run: the next page; NULL: the newest).
-- Top-level runs, newest first (started_at, then run_id, descending).
with before as (
  select r.started_at, r.run_id from pgflow.runs r where r.run_id = $5
)
select r.run_id, r.flow_slug::text as flow_slug, r.status, r.started_at,
       coalesce(r.completed_at, r.failed_at, r.cancelled_at) as finished_at, r.remaining_steps,
       r.error_message, r.priority, r.run_key, r.redrive_count
from pgflow.runs r
where r.parent_run_id is null and ($1::text is null or r.flow_slug = $1) and ($2::text is null or r.status = $2)
  and ($3::timestamptz is null or r.started_at >= $3)
  and ($5::uuid is null or (r.started_at, r.run_id) < (select b.started_at, b.run_id from before b))
order by r.started_at desc, r.run_id desc
limit $4
