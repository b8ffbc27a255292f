-- $1 run_id, $2 step_slug, $3 error message. After fail_run: fails the step and cancels every task
-- of the run still waiting or running, so nothing of it is claimed or completed any more.
with step as (
  update pgflow.step_states
  set status = 'failed', failed_at = clock_timestamp(), error_message = $3
  where run_id = $1 and step_slug = $2 and status in ('created', 'started')
)
update pgflow.step_tasks
set status = 'cancelled'
where run_id = $1 and status in ('queued', 'started')
