-- args: run_id uuid
-- returns: pg_notify void null
-- $1 run_id. The steps of a cancelled or failed run that had not finished are cancelled too.
with cancelled as (
  update pgflow.step_states
  set status = 'cancelled'
  where run_id = $1 and status in ('created', 'started')
  returning flow_slug, step_slug
)
select pg_notify('pgflow', json_build_object('run_id', $1, 'flow_slug', c.flow_slug, 'step_slug', c.step_slug, 'status', 'cancelled')::text) from cancelled c
