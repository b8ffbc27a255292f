-- args: flow_slug text
-- returns: slots integer null
-- Across nodes: a flow's leases are on every shard.
-- $1 a flow with max_concurrency, whose capacity lock the caller holds (lock_flow_capacity_on_node.sql).
-- In the Citus mode, how many more of its tasks may be leased: its max_concurrency less its tasks
-- started on every node (step_tasks_leased_idx), read after the lock was granted. A claim on a
-- shard takes at most that many (machine::claim).
select greatest(0, f.max_concurrency - (select count(*) from pgflow.step_tasks t
                                          where t.flow_slug = $1 and t.status = 'started'))::int as slots
from pgflow.flows f
where f.flow_slug = $1
