-- args: run_ids uuid[], step_slugs text[], task_indexes integer[], error_messages text[], worker_id uuid,
--   only_expired boolean, one_run uuid, now timestamp with time zone
-- returns: task pgflow.step_tasks null, run_id uuid null, step_slug text null,
--   task_index integer null, error_message text null, exhausted boolean, items integer null
-- $1 run_ids, $2 step_slugs, $3 task_indexes, $4 error messages (parallel arrays), $5 worker_id
-- (when given, only tasks that worker holds are answered), $6 only tasks whose lease ran out
-- (lease expiry on the last attempt, which goes through this same statement), $7 the one run of
-- the answers (pgflow_in_run; NULL on one node), $8 the clock.
-- The caller holds the runs' locks (lock_runs.sql). A started task goes back to the queue after
-- min(base_delay * 2^(attempts_count - 1), max_delay) seconds while attempts remain, else it
-- fails and is returned as exhausted: the caller counts it off its step, which its policy may
-- then fail. Tasks that are not started (late answers) stay as they are.
-- What depends on the clock or takes a number is computed in the SELECT of the tasks, and the
-- UPDATE only copies it: Citus refuses volatile functions in an UPDATE, and stable ones applied to
-- its columns.
with answer as (
  select distinct on (a.run_id, a.step_slug, a.task_index) a.run_id, a.step_slug, a.task_index, a.message
  from unnest($1::uuid[], $2::text[], $3::int[], $4::text[]) with ordinality
       as a (run_id, step_slug, task_index, message, ord)
  order by a.run_id, a.step_slug, a.task_index, a.ord
), task as materialized (
  -- Each answer locks its task by primary key, in key order, as in complete_tasks.
  select t.run_id, t.step_slug, t.task_index, a.message, r.retried,
         case when r.retried
              then $8 + make_interval(secs => least(coalesce(s.opt_base_delay, f.opt_base_delay)::float8
                                                      * power(2::float8, least(greatest(t.attempts_count - 1, 0), 60)),
                                                    coalesce(s.opt_max_delay, f.opt_max_delay)::float8))
              end as retry_at,
         -- The caller holds the run's lock exclusively before an exhausted task's number is read
         -- (stamp_results.sql numbers again those of a run it could lock only afterwards).
         case when not r.retried then nextval('pgflow.step_tasks_result_seq') end as result_seq,
         -- The attempt's error joins the task's last 20 (inspect_task.sql shows them).
         (case when jsonb_array_length(coalesce(t.attempt_errors, '[]'::jsonb)) >= 20 then t.attempt_errors - 0
               else coalesce(t.attempt_errors, '[]'::jsonb) end)
           || jsonb_build_array(jsonb_build_object('attempt', t.attempts_count, 'error', a.message,
                                                   'worker_id', t.worker_id, 'at', $8)) as attempt_errors
  from answer a
  cross join lateral (
    select t.run_id, t.step_slug, t.task_index, t.attempts_count, t.flow_slug, t.attempt_errors, t.worker_id
    from pgflow.step_tasks t
    where t.run_id = a.run_id and t.step_slug = a.step_slug and t.task_index = a.task_index
      and t.status is not distinct from 'started' and ($5::uuid is null or t.worker_id = $5)
      and (not $6 or t.visible_at <= $8)
      and pgflow_in_run(t.run_id, $7)
    for update of t
  ) t
  join pgflow.steps s on s.flow_slug = t.flow_slug and s.step_slug = t.step_slug
  join pgflow.flows f on f.flow_slug = s.flow_slug
  cross join lateral (select t.attempts_count < coalesce(s.opt_max_attempts, f.opt_max_attempts) as retried) r
), failed as (
  update pgflow.step_tasks t
  set status = case when task.retried then 'queued' else 'failed' end,
      error_message = task.message,
      failed_at = case when task.retried then null else $8 end,
      result_seq = task.result_seq,
      attempt_errors = task.attempt_errors,
      visible_at = case when task.retried then task.retry_at else t.visible_at end
  from task
  where t.run_id = task.run_id and t.step_slug = task.step_slug and t.task_index = task.task_index
    and pgflow_in_run(t.run_id, $7)
  returning row(t.run_id, t.step_slug, t.task_index, t.flow_slug, t.status, t.item, t.attempts_count,
                t.output, t.error_message, t.visible_at, t.message_id, t.queued_at, t.started_at,
                t.completed_at, t.failed_at, t.worker_id, t.result_seq, t.priority, t.first_index, t.shard,
                t.attempt_errors)::pgflow.step_tasks as task,
            t.run_id, t.step_slug, t.task_index, t.error_message, not task.retried as exhausted,
            case when t.first_index is null then 1 else jsonb_array_length(t.item) end as items
)
select f.task, f.run_id, f.step_slug, f.task_index, f.error_message, f.exhausted, f.items from failed f
