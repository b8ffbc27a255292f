-- args: flow_slug text, wait boolean
-- returns: locked boolean
-- One node only: the Citus mode takes the lock on one node for the cluster
-- (lock_flow_capacity_on_node.sql).
-- $1 flow_slug, $2 whether to wait for the lock. Takes the flow's capacity lock (until the
-- transaction ends) when the flow has a max_concurrency, so that claims of a capped flow count its
-- leases one after another; returns whether the caller now holds it. Without waiting, a lock
-- another holds is not taken (complete_tasks_and_poll's second claim, made while it holds steps'
-- rows that the holder may be waiting for). A separate statement: the claim that follows counts
-- with a snapshot taken after the lock was granted, which sees every lease the previous holder
-- committed.
select case when f.max_concurrency is null then false
            when $2 then pgflow_flow_capacity_lock(f.flow_slug) is not null
            else pgflow_flow_capacity_try_lock(f.flow_slug) end as locked
from pgflow.flows f
where f.flow_slug = $1
