-- args: run_id uuid
-- returns: flow_slug text, step_slug text
-- $1 run_id. The steps of a cancelled or failed run that had not finished are cancelled too.
-- Returns them (machine::announce tells listeners).
with cancelled as (
  update pgflow.step_states
  set status = 'cancelled'
  where run_id = $1 and status in ('created', 'started')
  returning flow_slug, step_slug
)
select c.flow_slug, c.step_slug from cancelled c
