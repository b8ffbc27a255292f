-- args: run_ids uuid[], step_slugs text[], task_indexes integer[]
-- returns: run_id uuid null, step_slug text null, task_index integer null, run_exists boolean,
--   step_exists boolean
-- $1 run_ids, $2 step_slugs, $3 task_indexes. The first answer whose task does not exist, if any,
-- and whether its run and its step exist.
select a.run_id, a.step_slug, a.task_index,
       exists (select from pgflow.runs r where r.run_id = a.run_id) as run_exists,
       exists (select from pgflow.step_states ss where ss.run_id = a.run_id and ss.step_slug = a.step_slug) as step_exists
from unnest($1::uuid[], $2::text[], $3::int[]) with ordinality as a (run_id, step_slug, task_index, ord)
where not exists (select from pgflow.step_tasks t
                   where t.run_id = a.run_id and t.step_slug = a.step_slug and t.task_index = a.task_index)
order by a.ord
limit 1
