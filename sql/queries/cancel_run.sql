-- $1 run_id. Marks a started run cancelled and notifies listeners; returns nothing when it is not
-- started any more.
with cancelled as (
  update pgflow.runs
  set status = 'cancelled', cancelled_at = clock_timestamp()
  where run_id = $1 and status = 'started'
  returning run_id, flow_slug
)
select c.run_id, pg_notify('pgflow', json_build_object('run_id', c.run_id, 'flow_slug', c.flow_slug, 'step_slug', null, 'status', 'cancelled')::text) from cancelled c
