-- args: run_ids uuid[], step_slugs text[], task_indexes integer[], outputs jsonb[], worker_id uuid,
--   one_run uuid, now timestamp with time zone
-- returns: task pgflow.step_tasks null, is_task boolean, run_id uuid null,
--   step_slug text null, aggregated boolean null
-- $1 run_ids, $2 step_slugs, $3 task_indexes, $4 outputs (parallel arrays, one entry per answer),
-- $5 worker_id, $6 the one run of the answers (pgflow_in_run; NULL on one node), $7 the clock. Completes every listed task that is started (and, when $5 is given, claimed by
-- that worker); the others are late or stale answers and stay as they are, and so does a task of a
-- batched fan-out whose output is not an array with one output per item (wrong_batch_answers.sql
-- finds those, which fail).
-- Counts the completed items (a batch counts as many as it holds) on their steps' parts (see
-- step_parts in schema.sql), and on the steps' rows only for a part whose last item this ends, or
-- for a step without parts; returns the completed tasks, then the steps left with no unfinished
-- item, which the caller completes. Under a step's max_concurrency each completed task leaves its
-- slot to the next waiting task of its step and run.
-- Locks, in this order: each run tree's lock, shared (an InitPlan, taken before any row is read; see
-- lock_runs.sql), then the answered tasks, then their parts, then the steps' rows that a part's end
-- counts on, each in key order, so that concurrent batches cannot deadlock (complete_task.sql and
-- lock_answered_tasks.sql keep the same order: a task is never waited for by one who holds a part
-- or a step). result_seq is taken under the run tree's lock, which read_results waits for (see
-- read_results_horizon.sql): one per answer, in the SELECT of the answers (after the lock's
-- InitPlan), since Citus refuses a volatile function in an UPDATE; a late answer's is not used.
with answer as (
  select distinct on (a.run_id, a.step_slug, a.task_index) a.run_id, a.step_slug, a.task_index, a.output,
         nextval('pgflow.step_tasks_result_seq') as result_seq
  from unnest($1::uuid[], $2::text[], $3::int[], $4::jsonb[]) with ordinality
       as a (run_id, step_slug, task_index, output, ord)
  where (select count(pgflow_run_tree_lock_shared(k.root_run_id))
           from (select distinct r.root_run_id from pgflow.runs r
                  where r.run_id = any ($1::uuid[]) and pgflow_in_run(r.run_id, $6) order by 1) k) >= 0
  order by a.run_id, a.step_slug, a.task_index, a.ord
), locked as materialized (
  -- Each answer locks its task, found by primary key, in key order. IS NOT DISTINCT FROM rather
  -- than = for the status keeps the lease index (whose predicate is status = 'started') out of
  -- the lookup, whatever a plan made while the queue was small thinks of its size. Each locked
  -- task carries its answer on, so that the UPDATE finds it by ctid alone.
  select t.ctid, a.output, a.result_seq
  from answer a
  cross join lateral (
    select t.ctid
    from pgflow.step_tasks t
    where t.run_id = a.run_id and t.step_slug = a.step_slug and t.task_index = a.task_index
      and t.status is not distinct from 'started' and ($5::uuid is null or t.worker_id = $5)
      and pgflow_in_run(t.run_id, $6)
    for update of t
  ) t
), task as (
  update pgflow.step_tasks t
  set status = 'completed', output = l.output, completed_at = $7, result_seq = l.result_seq
  from locked l
  -- Each locked row by its ctid (a TID scan per row, the lock keeps it as it is): no second lookup
  -- by key, and no join whose plan depends on how many answers the planner guesses (a nested loop
  -- over the answers for each task, guessed for one answer, took 26 s for 10,000).
  where t.ctid = l.ctid
    and pgflow_in_run(t.run_id, $6)
    and case when t.first_index is null then true
             when jsonb_typeof(l.output) <> 'array' then false
             else jsonb_array_length(l.output) = jsonb_array_length(t.item) end
  returning row(t.run_id, t.step_slug, t.task_index, t.flow_slug, t.status, t.item, t.attempts_count,
                t.output, t.error_message, t.visible_at, t.message_id, t.queued_at, t.started_at,
                t.completed_at, t.failed_at, t.worker_id, t.result_seq, t.priority, t.first_index, t.shard,
                t.attempt_errors)::pgflow.step_tasks as task,
            t.run_id, t.step_slug, t.task_index, t.flow_slug, t.shard,
            case when t.first_index is null then 1 else jsonb_array_length(t.item) end as items
), counted_parts as (
  select t.run_id, t.step_slug, t.shard as part, sum(t.items)::int as items
  from task t group by 1, 2, 3
), counted as (
  select t.run_id, t.step_slug, t.flow_slug, count(*)::int as n, sum(t.items)::int as items
  from task t group by 1, 2, 3
), part_locked as materialized (
  select p.run_id, p.step_slug, p.part
  from pgflow.step_parts p
  where (p.run_id, p.step_slug, p.part) in (select c.run_id, c.step_slug, c.part from counted_parts c)
    and pgflow_in_run(p.run_id, $6)
  order by p.run_id, p.step_slug, p.part
  for update of p
), part as (
  update pgflow.step_parts p
  set remaining = p.remaining - c.items, completed = p.completed + c.items
  from counted_parts c
  where p.run_id = c.run_id and p.step_slug = c.step_slug and p.part = c.part and pgflow_in_run(p.run_id, $6)
    -- An InitPlan: every part is locked, in key order, before the first is written.
    and (select count(*) from part_locked) >= 0
  returning p.run_id, p.step_slug, p.remaining, p.completed
), ended as (
  -- What the steps' rows count now: a part's completions once its last item ended, and a step
  -- without parts its own at once.
  select e.run_id, e.step_slug, sum(e.items)::int as items
  from (select p.run_id, p.step_slug, p.completed as items from part p where p.remaining = 0
        union all
        select c.run_id, c.step_slug, c.items from counted c
        where not exists (select from part p where p.run_id = c.run_id and p.step_slug = c.step_slug)) e
  group by 1, 2
), step_locked as materialized (
  select ss.run_id, ss.step_slug
  from pgflow.step_states ss
  where (ss.run_id, ss.step_slug) in (select e.run_id, e.step_slug from ended e)
    and ss.status = 'started' and pgflow_in_run(ss.run_id, $6)
  order by ss.run_id, ss.step_slug
  for update of ss
), released as (
  update pgflow.step_tasks w
  set visible_at = $7
  where pgflow_in_run(w.run_id, $6) and w.ctid = any (array(
    select q.ctid
    from counted c
    join pgflow.steps s on s.flow_slug = c.flow_slug and s.step_slug = c.step_slug
    cross join lateral (
      select q.ctid from pgflow.step_tasks q
      where q.run_id = c.run_id and q.step_slug = c.step_slug and q.status = 'queued' and q.visible_at = 'infinity'
        and pgflow_in_run(q.run_id, $6)
      order by q.task_index
      limit c.n
      for update skip locked) q
    where s.max_concurrency is not null))
), step as (
  update pgflow.step_states ss
  set remaining_tasks = ss.remaining_tasks - e.items,
      completed_tasks = ss.completed_tasks + e.items
  from ended e
  where ss.run_id = e.run_id and ss.step_slug = e.step_slug and ss.status = 'started' and pgflow_in_run(ss.run_id, $6)
    and (select count(*) from step_locked) >= 0
  returning ss.run_id, ss.step_slug, ss.flow_slug, ss.remaining_tasks
)
-- aggregated: the finished step's output is its items' outputs in one array (machine::finish_step).
select t.task, true as is_task, null::uuid as run_id, null::text as step_slug, null::bool as aggregated from task t
union all
(select null, false, s.run_id, s.step_slug,
        (select d.step_type = 'fanout' and d.aggregate from pgflow.steps d
          where d.flow_slug = s.flow_slug and d.step_slug = s.step_slug)
 from step s where s.remaining_tasks = 0 order by s.run_id, s.step_slug)
