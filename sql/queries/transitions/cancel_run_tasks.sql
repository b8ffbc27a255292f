-- args: run_id uuid
-- returns: cancelled bigint
-- $1 run_id. Cancels every task of the run still queued or running, so that nothing of it is
-- claimed or completed any more. The caller holds the run's lock, so no answer of the run is in
-- flight; a claim holding one of the tasks is waited for. Returns how many it cancelled. Each
-- takes its result number in the SELECT that locks it (Citus refuses a volatile function in an
-- UPDATE).
with task as materialized (
  select t.step_slug, t.task_index, nextval('pgflow.step_tasks_result_seq') as result_seq
  from pgflow.step_tasks t
  where t.run_id = $1 and t.status in ('queued', 'started')
  for update of t
), cancelled as (
  update pgflow.step_tasks t
  set status = 'cancelled', result_seq = task.result_seq
  from task
  where t.run_id = $1 and t.step_slug = task.step_slug and t.task_index = task.task_index
  returning 1
)
select count(*) as cancelled from cancelled
