-- args: parent_run_id uuid, status text, after_step_slug text, after_task_index integer, after_run_id uuid,
--   max_rows integer
-- returns: run_id uuid, status text, parent_step_slug text, parent_task_index integer,
--   finished_at timestamp with time zone null, error_message text null
-- Across nodes: a fan-out's child runs are on every shard.
-- $1 the parent run, $2 status (NULL: any), ($3, $4, $5) the page starts after this child (the
-- step, task index and id of the last child of the page before; '', -1 and the nil id for the
-- first page), $6 at most this many. The run's child runs (every attempt's), in task order: one
-- ordered range of runs_parent_idx from the cursor, so a page reads what it returns (and, with a
-- status, the children of other statuses it passes). Their flows, times and counts are
-- run_tree.sql's (observe::child_runs).
select r.run_id, r.status, r.parent_step_slug, r.parent_task_index,
       coalesce(r.completed_at, r.failed_at, r.cancelled_at) as finished_at, r.error_message
from pgflow.runs r
where r.parent_run_id = $1 and (r.parent_step_slug, r.parent_task_index, r.run_id) > ($3, $4, $5)
  and ($2::text is null or r.status = $2)
order by r.parent_step_slug, r.parent_task_index, r.run_id
limit $6
