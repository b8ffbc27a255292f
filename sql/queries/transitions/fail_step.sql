-- args: run_id uuid, step_slug text, error_message text, now timestamp with time zone
-- returns: flow_slug text
-- $1 run_id, $2 step_slug, $3 error message, $4 the clock. The step fails with the reason (its run fails next).
-- Returns its flow (machine::announce tells listeners); nothing when it was not unfinished.
with failed as (
  update pgflow.step_states
  set status = 'failed', failed_at = $4, error_message = $3
  where run_id = $1 and step_slug = $2 and status in ('created', 'started')
  returning flow_slug
)
select f.flow_slug from failed f
