-- $1 flow_slug. Takes the flow's capacity lock (until the transaction ends) when the flow has a
-- max_concurrency, so that claims of a capped flow count its leases one after another; returns
-- whether it did. A separate statement: the claim that follows counts with a snapshot taken after
-- the lock was granted, which sees every lease the previous holder committed.
select f.max_concurrency is not null as capped,
       case when f.max_concurrency is not null
            then pg_advisory_xact_lock(1885824623, hashtext(f.flow_slug)) is not null end as locked
from pgflow.flows f
where f.flow_slug = $1
