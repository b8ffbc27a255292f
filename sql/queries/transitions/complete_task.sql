-- args: run_id uuid, step_slug text, task_index integer, output jsonb, worker_id uuid,
--   now timestamp with time zone
-- returns: task pgflow.step_tasks null, is_task boolean, run_id uuid null,
--   step_slug text null, aggregated boolean null
-- $1 run_id, $2 step_slug, $3 task_index, $4 output, $5 worker_id, $6 the clock. complete_tasks.sql for one
-- answer, in the same result shape and with the same locks (the run's lock shared, then the task,
-- then its part, then its step's row if the part's end, or a step without parts, counts on it).
-- Kept apart from it because one answer is the commonest call of all, and the batch statement's
-- unnest, sort and grouping nearly double its cost (10,000 single answers: 1.98 s through the
-- batch statement, 1.15 s through this one). Under the step's max_concurrency
-- the task leaves its slot to the next waiting task of its step and run, as there.
with task_locked as materialized (
  -- The run tree's lock (lock_runs.sql), shared, then the task: the order of complete_tasks.sql.
  -- Its result number is taken here, under the run tree's lock, which read_results waits for (see
  -- read_results_horizon.sql), and in a SELECT: Citus refuses a volatile function in an UPDATE.
  select t.task_index, nextval('pgflow.step_tasks_result_seq') as result_seq
  from pgflow.step_tasks t
  where t.run_id = $1 and t.step_slug = $2 and t.task_index = $3
    -- IS NOT DISTINCT FROM: see complete_tasks.sql.
    and t.status is not distinct from 'started' and ($5::uuid is null or t.worker_id = $5)
    and (select count(pgflow_run_tree_lock_shared(r.root_run_id))
           from pgflow.runs r where r.run_id = $1) >= 0
  for update of t
), task as (
  update pgflow.step_tasks t
  set status = 'completed', output = $4, completed_at = $6,
      result_seq = (select l.result_seq from task_locked l)
  where t.run_id = $1 and t.step_slug = $2 and t.task_index = $3
    and t.status is not distinct from 'started' and ($5::uuid is null or t.worker_id = $5)
    -- A batch's output must be an array with one output per item (else: wrong_batch_answers.sql).
    -- The length of $4 only when it is an array: a plan made for the call's values (Citus plans
    -- each call) computes what depends on $4 alone, whatever the CASE around it says.
    and case when t.first_index is null then true
             else coalesce(jsonb_array_length(case when jsonb_typeof($4) = 'array' then $4 end)
                             = jsonb_array_length(t.item), false) end
    and (select count(*) from task_locked) > 0
  returning row(t.run_id, t.step_slug, t.task_index, t.flow_slug, t.status, t.item, t.attempts_count,
                t.output, t.error_message, t.visible_at, t.message_id, t.queued_at, t.started_at,
                t.completed_at, t.failed_at, t.worker_id, t.result_seq, t.priority, t.first_index, t.shard,
                t.attempt_errors)::pgflow.step_tasks as task,
            t.flow_slug, t.shard, case when t.first_index is null then 1 else jsonb_array_length(t.item) end as items
), released as (
  update pgflow.step_tasks w
  set visible_at = $6
  where pgflow_in_run(w.run_id, $1) and w.ctid = any (array(
    select q.ctid
    from task
    join pgflow.steps s on s.flow_slug = task.flow_slug and s.step_slug = $2
    cross join lateral (
      select q.ctid from pgflow.step_tasks q
      where q.run_id = $1 and q.step_slug = $2 and q.status = 'queued' and q.visible_at = 'infinity'
      order by q.task_index
      limit 1
      for update skip locked) q
    where s.max_concurrency is not null))
), part as (
  -- The task's part (see step_parts in schema.sql), when the step has parts.
  update pgflow.step_parts p
  set remaining = p.remaining - task.items, completed = p.completed + task.items
  from task
  where p.run_id = $1 and p.step_slug = $2 and p.part = task.shard
  returning p.remaining, p.completed
), step as (
  -- The step's row counts the part's completions once its last item ended, and the task's own
  -- when the step has no parts.
  update pgflow.step_states ss
  set remaining_tasks = ss.remaining_tasks - e.items,
      completed_tasks = ss.completed_tasks + e.items
  from (select part.completed as items from part where part.remaining = 0
        union all
        select task.items from task where not exists (select from part)) e
  where ss.run_id = $1 and ss.step_slug = $2 and ss.status = 'started'
  returning ss.remaining_tasks
)
-- aggregated: the finished step's output is its items' outputs in one array (machine::finish_step).
select task.task, true as is_task, null::uuid as run_id, null::text as step_slug, null::bool as aggregated from task
union all
select null, false, $1, $2,
       (select s.step_type = 'fanout' and s.aggregate from pgflow.steps s
         where s.flow_slug = (select task.flow_slug from task) and s.step_slug = $2)
from step where step.remaining_tasks = 0
