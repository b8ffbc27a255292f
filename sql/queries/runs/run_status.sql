-- args: run_id uuid
-- returns: status text as crate::engine::words::RunStatus, flow_slug text
-- $1 run_id. The run's status and flow, if it exists.
select r.status, r.flow_slug from pgflow.runs r where r.run_id = $1
