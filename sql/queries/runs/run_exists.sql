-- args: run_id uuid
-- returns: exists boolean
-- $1 run_id
select exists (select from pgflow.runs where run_id = $1)
