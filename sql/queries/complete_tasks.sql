-- $1 run_ids, $2 step_slugs, $3 task_indexes, $4 outputs (parallel arrays, one entry per answer),
-- $5 worker_id. Completes every listed task that is started (and, when $5 is given, claimed by
-- that worker); the others are late or stale answers and stay as they are, and so does a task of a
-- batched fan-out whose output is not an array with one output per item (wrong_batch_answers.sql
-- finds those, which fail).
-- Counts the completed tasks off their started steps and returns them, then the steps left with
-- no unfinished task, which the caller completes. The steps' counters count items (a batch counts
-- as many as it holds). Under a step's max_concurrency each completed task leaves its slot to the
-- next waiting task of its step and run.
-- Locks, in this order: each run tree's lock, shared (an InitPlan, taken before any row is read; see
-- lock_runs.sql), then the answered tasks, then their steps' states, each in key order, so that
-- concurrent batches cannot deadlock (complete_task.sql and lock_answered_tasks.sql keep the same
-- order: a task is never waited for by one who holds a step). Each task's result_seq is taken
-- under its step's lock, after both: a step's result_seq then grows in commit order, which
-- read_results.sql relies on.
with answer as (
  select distinct on (a.run_id, a.step_slug, a.task_index) a.run_id, a.step_slug, a.task_index, a.output
  from unnest($1::uuid[], $2::text[], $3::int[], $4::jsonb[]) with ordinality
       as a (run_id, step_slug, task_index, output, ord)
  where (select count(pg_advisory_xact_lock_shared(1885824620, hashtext(k.root_run_id::text)))
           from (select distinct r.root_run_id from pgflow.runs r
                  where r.run_id = any ($1::uuid[]) order by 1) k) >= 0
  order by a.run_id, a.step_slug, a.task_index, a.ord
), locked as materialized (
  -- Each answer locks its task, found by primary key, in key order. IS NOT DISTINCT FROM rather
  -- than = for the status keeps the lease index (whose predicate is status = 'started') out of
  -- the lookup, whatever a plan made while the queue was small thinks of its size.
  select t.run_id, t.step_slug, t.task_index
  from answer a
  cross join lateral (
    select t.run_id, t.step_slug, t.task_index
    from pgflow.step_tasks t
    where t.run_id = a.run_id and t.step_slug = a.step_slug and t.task_index = a.task_index
      and t.status is not distinct from 'started' and ($5::uuid is null or t.worker_id = $5)
    for update of t
  ) t
), step_locked as materialized (
  select ss.run_id, ss.step_slug
  from pgflow.step_states ss
  where (ss.run_id, ss.step_slug) in (select distinct l.run_id, l.step_slug from locked l)
    and ss.status = 'started'
  order by ss.run_id, ss.step_slug
  for update of ss
), task as (
  update pgflow.step_tasks t
  set status = 'completed', output = a.output, completed_at = clock_timestamp(),
      result_seq = nextval('pgflow.step_tasks_result_seq')
  from locked l
  join answer a using (run_id, step_slug, task_index)
  where t.run_id = l.run_id and t.step_slug = l.step_slug and t.task_index = l.task_index
    -- An InitPlan: every step is locked before the first task is written, and after every task
    -- was locked (step_locked reads all of locked first).
    and (select count(*) from step_locked) >= 0
    and case when t.first_index is null then true
             when jsonb_typeof(a.output) <> 'array' then false
             else jsonb_array_length(a.output) = jsonb_array_length(t.item) end
  returning row(t.run_id, t.step_slug, t.task_index, t.flow_slug, t.status, t.item, t.attempts_count,
                t.output, t.error_message, t.visible_at, t.message_id, t.queued_at, t.started_at,
                t.completed_at, t.failed_at, t.worker_id, t.result_seq, t.priority, t.first_index)::pgflow.step_tasks as task,
            t.run_id, t.step_slug, t.flow_slug,
            case when t.first_index is null then 1 else jsonb_array_length(t.item) end as items
), counted as (
  select t.run_id, t.step_slug, t.flow_slug, count(*)::int as n, sum(t.items)::int as items
  from task t group by 1, 2, 3
), released as (
  update pgflow.step_tasks w
  set visible_at = clock_timestamp()
  where w.ctid = any (array(
    select q.ctid
    from counted c
    join pgflow.steps s on s.flow_slug = c.flow_slug and s.step_slug = c.step_slug
    cross join lateral (
      select q.ctid from pgflow.step_tasks q
      where q.run_id = c.run_id and q.step_slug = c.step_slug and q.status = 'queued' and q.visible_at = 'infinity'
      order by q.task_index
      limit c.n
      for update skip locked) q
    where s.max_concurrency is not null))
), step as (
  update pgflow.step_states ss
  set remaining_tasks = ss.remaining_tasks - c.items,
      completed_tasks = ss.completed_tasks + c.items
  from counted c
  where ss.run_id = c.run_id and ss.step_slug = c.step_slug and ss.status = 'started'
  returning ss.run_id, ss.step_slug, ss.remaining_tasks
)
select t.task, true as is_task, null::uuid as run_id, null::text as step_slug from task t
union all
(select null, false, s.run_id, s.step_slug from step s where s.remaining_tasks = 0 order by s.run_id, s.step_slug)
