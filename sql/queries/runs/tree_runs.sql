-- args: run_id uuid
-- returns: run_id uuid
-- Across nodes: a tree's runs are on every shard (the children of a fan-out spread over them).
-- $1 a top-level run. The run and every run below it (runs_root_idx).
select r.run_id from pgflow.runs r where r.run_id = $1
union all
select r.run_id from pgflow.runs r where r.root_run_id = $1 and r.parent_run_id is not null
