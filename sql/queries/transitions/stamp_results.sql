-- args: run_ids uuid[], step_slugs text[], task_indexes integer[], one_run uuid
-- returns: stamped bigint
-- $1 run_ids, $2 step_slugs, $3 task_indexes. New result numbers for tasks that failed for good
-- before their run's lock was held (a task claimed again on its last attempt between the look
-- and the answer): now that it is held, no answer of the run is in flight, so the new numbers come
-- after every committed one of their steps, as read_results.sql needs (taken in a SELECT: Citus
-- refuses a volatile function in an UPDATE). Returns how many it numbered again.
with k as materialized (
  select k.run_id, k.step_slug, k.task_index, nextval('pgflow.step_tasks_result_seq') as result_seq
  from unnest($1::uuid[], $2::text[], $3::int[]) as k (run_id, step_slug, task_index)
), stamped as (
  update pgflow.step_tasks t
  set result_seq = k.result_seq
  from k
  where t.run_id = k.run_id and t.step_slug = k.step_slug and t.task_index = k.task_index
    and t.result_seq is not null and pgflow_in_run(t.run_id, $4)
  returning 1
)
select count(*) as stamped from stamped
