-- $1 run_id. The steps of a cancelled or failed run that had not finished are cancelled too.
with cancelled as (
  update pgflow.step_states
  set status = 'cancelled'
  where run_id = $1 and status in ('created', 'started')
  returning flow_slug, step_slug
)
select pgflow.notify_status($1, c.flow_slug, c.step_slug, 'cancelled') from cancelled c
