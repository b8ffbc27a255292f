-- args: flow_slug text
-- returns: run_id uuid
-- $1 flow_slug. The flow's started top-level runs (delete_flow_and_data cancels each, and with it
-- the child runs below it), read through runs_started_idx.
select r.run_id from pgflow.runs r
where r.flow_slug = $1 and r.status = 'started' and r.parent_run_id is null
order by r.run_id
