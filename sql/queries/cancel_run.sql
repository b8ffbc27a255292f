-- $1 run_id. Marks a started run cancelled; returns nothing when it is not started any more.
update pgflow.runs
set status = 'cancelled', cancelled_at = clock_timestamp()
where run_id = $1 and status = 'started'
returning run_id
