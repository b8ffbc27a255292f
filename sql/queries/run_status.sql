-- $1 run_id. The run's status and flow, if it exists.
select r.status, r.flow_slug from pgflow.runs r where r.run_id = $1
