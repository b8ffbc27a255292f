-- $1 run_id, $2 step_slug, $3 error message. The step whose task ran out of attempts (or whose
-- fan-out source was not an array) fails with the reason.
update pgflow.step_states
set status = 'failed', failed_at = clock_timestamp(), error_message = $3
where run_id = $1 and step_slug = $2 and status in ('created', 'started')
