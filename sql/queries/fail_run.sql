-- $1 run_id. Marks a started run failed, after its tasks were cancelled (cancel_run_tasks): the
-- run row is locked last, as a completion locks it, so the two cannot wait on each other.
update pgflow.runs
set status = 'failed', failed_at = clock_timestamp()
where run_id = $1 and status = 'started'
returning run_id
