-- args: run_ids uuid[]
-- returns: run_id uuid
-- Across nodes: a tree's runs are on every shard (the children of a fan-out spread over them).
-- $1 top-level runs. The runs and every run below them (runs_root_idx).
select r.run_id from pgflow.runs r where r.run_id = any ($1::uuid[])
union all
select r.run_id from pgflow.runs r where r.root_run_id = any ($1::uuid[]) and r.parent_run_id is not null
