-- args: root_run_id uuid
-- returns: locked integer
-- $1 the root of a run tree. In the Citus mode, an answer to a child run takes the tree's lock
-- shared by this statement, on the root's node, where lock_run.sql takes it exclusively, before
-- its own statements lock any row: an answer and a transition of one tree always meet there first
-- (docs/architecture.md, "Locks"), whichever nodes their runs are on.
select count(pgflow_run_tree_lock_shared(r.root_run_id))::int as locked
from pgflow.runs r
where r.run_id = $1
