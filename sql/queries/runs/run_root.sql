-- args: run_id uuid
-- returns: root_run_id uuid
-- $1 run_id. The root of the run's tree (itself for a top-level run), which never changes: in the
-- Citus mode the tree's lock is taken on the root's node (citus::tree_root keeps the answer).
select r.root_run_id from pgflow.runs r where r.run_id = $1
