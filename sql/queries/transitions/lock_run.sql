-- args: run_id uuid
-- returns: locked integer
-- $1 run_id. lock_runs.sql for one run, in the Citus mode: the tree's lock taken by a statement that
-- Citus runs on the run's node (where the run's answers take it shared), one run at a time in key
-- order. A run not there takes no lock (a top-level run's tree: sub-flows across nodes are not
-- yet in the Citus mode, docs/citus.md).
select count(pgflow_run_tree_lock(r.root_run_id))::int as locked
from pgflow.runs r
where r.run_id = $1
