-- args: run_id uuid, step_slug text, error_message text, now timestamp with time zone
-- returns: pg_notify void null
-- $1 run_id, $2 step_slug, $3 error message, $4 the clock. The step fails with the reason (its run fails next).
with failed as (
  update pgflow.step_states
  set status = 'failed', failed_at = $4, error_message = $3
  where run_id = $1 and step_slug = $2 and status in ('created', 'started')
  returning flow_slug
)
select pg_notify('pgflow', json_build_object('run_id', $1, 'flow_slug', f.flow_slug, 'step_slug', $2, 'status', 'failed')::text) from failed f
