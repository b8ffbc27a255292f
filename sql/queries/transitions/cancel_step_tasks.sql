-- args: run_id uuid, step_slug text, error_message text
-- returns: cancelled integer
-- $1 run_id, $2 step_slug, $3 the reason each cancelled task records (NULL: none). Cancels the
-- step's tasks still queued or running; the caller holds the run's lock, so only a claim can be
-- holding one of them, and that is waited for. Returns how many items it cancelled (a batch's
-- items all count). Each takes its result number in the SELECT that locks it (Citus refuses a
-- volatile function in an UPDATE).
with task as materialized (
  select t.task_index, nextval('pgflow.step_tasks_result_seq') as result_seq
  from pgflow.step_tasks t
  where t.run_id = $1 and t.step_slug = $2 and t.status in ('queued', 'started')
  for update of t
), cancelled as (
  update pgflow.step_tasks t
  set status = 'cancelled', error_message = coalesce($3, t.error_message), result_seq = task.result_seq
  from task
  where t.run_id = $1 and t.step_slug = $2 and t.task_index = task.task_index
  returning case when t.first_index is null then 1 else jsonb_array_length(t.item) end as items
)
select coalesce(sum(c.items), 0)::int as cancelled from cancelled c
