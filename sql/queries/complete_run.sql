-- $1 run_id (a started run with no step left). Its output maps each completed leaf step (one no
-- other step depends on) to that step's output; skipped leaves are left out. Notifies listeners.
with completed as (
  update pgflow.runs r
  set status = 'completed',
      completed_at = clock_timestamp(),
      output = coalesce(
        (select jsonb_object_agg(ss.step_slug, ss.output)
           from pgflow.step_states ss
          where ss.run_id = r.run_id
            and ss.status = 'completed'
            and not exists (select from pgflow.deps d
                             where d.flow_slug = ss.flow_slug and d.dep_slug = ss.step_slug)),
        '{}'::jsonb)
  where r.run_id = $1 and r.status = 'started' and r.remaining_steps = 0
  returning r.run_id, r.flow_slug
)
select c.run_id, pg_notify('pgflow', json_build_object('run_id', c.run_id, 'flow_slug', c.flow_slug, 'step_slug', null, 'status', 'completed')::text) from completed c
