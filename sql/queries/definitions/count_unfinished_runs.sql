-- args: flow_slug text
-- returns: unfinished bigint
-- $1 flow_slug. How many runs of the flow are still started (read through runs_started_idx).
select count(*) as unfinished from pgflow.runs r where r.flow_slug = $1 and r.status = 'started'
