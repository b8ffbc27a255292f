-- args: run_ids uuid[], step_slugs text[], task_indexes integer[], outputs jsonb[], worker_id uuid,
--   one_run uuid
-- returns: run_id uuid, step_slug text, task_index integer, message text
-- $1 run_ids, $2 step_slugs, $3 task_indexes, $4 outputs (parallel arrays), $5 worker_id.
-- The answered tasks of batched fan-outs, still held by the answerer, whose output is not an array
-- with one output per item of the batch (complete_tasks.sql left them as they were): each with
-- what was wrong, which the caller records as the failure of that attempt.
select t.run_id, t.step_slug, t.task_index,
       format('returned %s where an array of %s outputs, one per item of the batch, was expected',
              case jsonb_typeof(a.output) when 'array' then format('an array of %s', jsonb_array_length(a.output))
                                          when 'object' then 'an object'
                                          when 'null' then 'null'
                                          else 'a ' || jsonb_typeof(a.output) end,
              jsonb_array_length(t.item)) as message
from unnest($1::uuid[], $2::text[], $3::int[], $4::jsonb[]) as a (run_id, step_slug, task_index, output)
cross join lateral (
  select t.run_id, t.step_slug, t.task_index, t.item
  from pgflow.step_tasks t
  where t.run_id = a.run_id and t.step_slug = a.step_slug and t.task_index = a.task_index
    and t.status is not distinct from 'started' and ($5::uuid is null or t.worker_id = $5)
    and t.first_index is not null and pgflow_in_run(t.run_id, $6)) t
where case when jsonb_typeof(a.output) <> 'array' then true
           else jsonb_array_length(a.output) <> jsonb_array_length(t.item) end
order by t.run_id, t.step_slug, t.task_index
