-- $1 run_id. Marks a started run failed. Its own statement, run first: taking the run's row lock
-- waits for any transaction that is completing a step of this run (complete_step updates this row
-- too), so the cancellation that follows sees the tasks that transaction created.
update pgflow.runs
set status = 'failed', failed_at = clock_timestamp()
where run_id = $1 and status = 'started'
returning run_id
