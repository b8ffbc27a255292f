-- args: run_key text, max_rows integer
-- returns: run_id uuid, flow_slug text, status text, started_at timestamp with time zone
-- Across nodes: runs are on every shard.
-- $1 run_key, $2 at most this many. The runs started with this key, of every flow: one probe of
-- runs_flow_slug_run_key_key per flow (a key is unique within its flow).
select r.run_id, r.flow_slug::text, r.status, r.started_at
from pgflow.flows f
join pgflow.runs r on r.flow_slug = f.flow_slug and r.run_key = $1
order by r.started_at desc, r.run_id
limit $2
