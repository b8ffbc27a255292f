-- args: run_id uuid
-- returns: subflows boolean
-- $1 run_id. Whether its flow has a sub-flow step, so that it may have child runs (in the Citus
-- mode, which does not run sub-flows yet, a run without any needs no look for them).
select exists (select from pgflow.runs r
                join pgflow.steps s on s.flow_slug = r.flow_slug
               where r.run_id = $1 and s.subflow is not null) as subflows
