-- $1 run_id. Marks a started run cancelled and notifies listeners; returns nothing when it is not
-- started any more.
with cancelled as (
  update pgflow.runs
  set status = 'cancelled', cancelled_at = clock_timestamp()
  where run_id = $1 and status = 'started'
  returning run_id, flow_slug
)
select c.run_id, pgflow.notify_status(c.run_id, c.flow_slug, null, 'cancelled') from cancelled c
