-- args: run_ids uuid[], step_slugs text[], task_indexes integer[], one_run uuid
-- returns: run_id uuid null, step_slug text null, task_index integer null, run_exists boolean,
--   step_exists boolean
-- $1 run_ids, $2 step_slugs, $3 task_indexes. The first answer whose task does not exist, if any,
-- and whether its run and its step exist.
select a.run_id, a.step_slug, a.task_index,
       exists (select from pgflow.runs r where r.run_id = a.run_id and pgflow_in_run(r.run_id, $4)) as run_exists,
       exists (select from pgflow.step_states ss where ss.run_id = a.run_id and ss.step_slug = a.step_slug
                                                 and pgflow_in_run(ss.run_id, $4)) as step_exists
from unnest($1::uuid[], $2::text[], $3::int[]) with ordinality as a (run_id, step_slug, task_index, ord)
where not exists (select from pgflow.step_tasks t
                   where t.run_id = a.run_id and t.step_slug = a.step_slug and t.task_index = a.task_index
                     and pgflow_in_run(t.run_id, $4))
order by a.ord
limit 1
