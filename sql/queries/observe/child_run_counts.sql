-- args: parent_run_id uuid
-- returns: status text, runs bigint
-- Across nodes: a fan-out's child runs are on every shard.
-- $1 the parent run. How many of its child runs (every attempt's) are in each status (in the
-- statuses' alphabetical order), from runs_parent_idx: it reads each child's entry once (a fan-out
-- of 10,000 children, 10,000 entries).
select r.status, count(*) as runs
from pgflow.runs r
where r.parent_run_id = $1
group by r.status
order by r.status
