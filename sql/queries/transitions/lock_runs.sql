-- args: run_ids uuid[]
-- returns: locked integer null
-- One node only: the Citus mode takes each tree's lock on its root's node (lock_run.sql).
-- $1 run_ids. Takes the run lock of each run, exclusively, in key order (see docs/architecture.md,
-- "Locks"): every transition that may cancel or reset tasks held by others (a failure, a deadline,
-- a cancellation, a redrive) holds it, so no answer of the run is half done meanwhile. Answers take
-- the same lock shared, so they do not wait for one another. The lock is the run tree's: all the
-- runs below a top-level run share its lock (a child's end acts on its parent, a parent's end on
-- its children), so a tree is always locked in one step, never parent and child in two orders.
select count(pgflow_run_tree_lock(k.root_run_id))::int as locked
from (select distinct coalesce(r.root_run_id, a.run_id) as root_run_id
        from unnest($1::uuid[]) as a (run_id)
        left join pgflow.runs r on r.run_id = a.run_id
       order by 1) k
