-- args: run_id uuid
-- returns: r pgflow.runs
-- $1 run_id
select r from pgflow.runs r where r.run_id = $1
