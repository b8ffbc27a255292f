-- args: run_id uuid
-- returns: run_with_states jsonb as pgrx::JsonB
-- $1 run_id. pgflow's get_run_with_states: the run's row and its steps' state rows, as JSON
-- objects keyed by column name, the steps in definition order. No row for an unknown run.
select jsonb_build_object(
         'run', to_jsonb(r),
         'steps', coalesce((select jsonb_agg(to_jsonb(ss) order by s.step_index)
                              from pgflow.step_states ss
                              join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
                             where ss.run_id = $1), '[]'::jsonb)) as run_with_states
from pgflow.runs r
where r.run_id = $1
