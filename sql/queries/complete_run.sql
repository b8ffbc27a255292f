-- $1 run_id. Completes a run whose steps are all completed; its output maps each leaf step
-- (one no other step depends on) to that step's output.
update pgflow.runs r
set status = 'completed',
    completed_at = clock_timestamp(),
    output = coalesce(
      (select jsonb_object_agg(ss.step_slug, ss.output)
         from pgflow.step_states ss
        where ss.run_id = r.run_id
          and not exists (select from pgflow.deps d
                           where d.flow_slug = ss.flow_slug and d.dep_slug = ss.step_slug)),
      '{}'::jsonb)
where r.run_id = $1 and r.status = 'started' and r.remaining_steps = 0
