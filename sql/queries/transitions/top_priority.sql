-- args: flow_slug text, step_slugs text[]
-- returns: priority integer null
-- $1 flow_slug, $2 step slugs (NULL: every step of the flow). The highest priority among the
-- flow's queued tasks (of those steps), one probe of the queue index per lane (pgflow_lane_top), as
-- claim_tasks.sql finds its lanes' heads. In the Citus mode, run on each shard of the node
-- (machine::claim_order), so that a claim takes the node's shards highest priority first.
select max(h.priority) as priority
from pgflow.steps s
cross join lateral pgflow_lane_top($1, s.step_slug) h
where s.flow_slug = $1 and s.subflow is null and ($2::text[] is null or s.step_slug = any ($2::text[]))
