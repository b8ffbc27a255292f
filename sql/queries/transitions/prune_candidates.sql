-- args: older_than interval, flow_slug text, max_runs integer, now timestamp with time zone
-- returns: run_id uuid
-- Across nodes: prune_runs.sql's candidates in the Citus mode, which cannot push that statement
-- down to the shards (a LIMIT in a lateral subquery) nor delete a tree spread over nodes in it:
-- each shard answers with its oldest finished top-level runs, which Citus merges; machine::prune_runs
-- then deletes each run's tree under its lock (tree_runs.sql, delete_runs.sql).
-- $1 older_than, $2 flow_slug (NULL: every flow), $3 at most this many, $4 the clock. Finished
-- top-level runs (completed, failed, cancelled) that finished before $4 - older_than, oldest first.
select r.run_id
from pgflow.runs r
where r.status <> 'started' and r.parent_run_id is null and ($2::text is null or r.flow_slug = $2)
  and coalesce(r.completed_at, r.failed_at, r.cancelled_at) < $4 - $1::interval
order by coalesce(r.completed_at, r.failed_at, r.cancelled_at), r.run_id
limit $3
