-- args: flow_slug text
-- returns: run_id uuid
-- Across nodes: a flow's runs are on every shard.
-- $1 flow_slug. Its runs (delete_flow in the Citus mode deletes their trees: tree_runs.sql).
select r.run_id from pgflow.runs r where r.flow_slug = $1
