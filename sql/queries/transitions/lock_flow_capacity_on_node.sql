-- args: flow_slug text, wait boolean, capacity_key uuid
-- returns: locked boolean
-- $1 flow_slug, $2 whether to wait for the lock, $3 the flow's capacity key (citus::capacity_key,
-- a name-based id of the flow). lock_flow_capacity.sql in the Citus mode: the flow's capacity lock
-- is taken on the one node that holds the key's shard, whichever node claims (the subquery names
-- the key for Citus to route the whole statement there), so that the claims of a capped flow on
-- every node count its leases one after another (flow_leases.sql).
select case when f.max_concurrency is null then false
            when $2 then pgflow_flow_capacity_lock(f.flow_slug) is not null
            else pgflow_flow_capacity_try_lock(f.flow_slug) end as locked
from pgflow.flows f
cross join (select count(*) from pgflow.runs r where r.run_id = $3) routed
where f.flow_slug = $1
