\echo Use "ALTER EXTENSION pgflow UPDATE TO '0.8.0'" to load this file. \quit
-- pgflow 0.7.0 -> 0.8.0: big fan-outs and many workers.
-- Fixes: a claim's plan depended on the planner's statistics. Made while they said the queue was
-- small (taken while it was empty, say), the probe of a lane's head was a bitmap scan of all its
-- queued tasks plus a sort, kept for the backend's life: a claim of 100 read ~14,000 buffers at
-- 600,000 queued tasks (515 tasks/s where 18,860 were expected). Every function now runs with
-- enable_bitmapscan off as well as enable_seqscan off, and all with the same planner settings (a
-- statement is prepared once per backend, by whichever function runs it first). Deadlines are
-- found per flow and step with a timeout, never by reading every started run.
-- New: one fan-out, many workers. Queued tasks are kept in 16 shards per lane (step_tasks.shard:
-- a fan-out's tasks in up to 16 ranges of consecutive tasks), each claim starting at its
-- backend's shard and moving on one shard a claim, so workers no longer all take the oldest tasks
-- at one head of the queue; a fan-out's counter parts are its shards, so a batch of answers counts
-- on one part.
-- Runs in flight: their tasks are all in shard 0 (the new column's default, written without
-- rewriting the table), the queue is indexed again, and the parts of every fan-out that has them
-- are counted again by shard (so all on part 0): their completions move to their steps' rows
-- first, as a redrive does. Fan-outs spawned from now on are sharded.

alter table pgflow.step_tasks add column shard smallint not null default 0;

drop index pgflow.step_tasks_queued_idx;
create index step_tasks_queued_idx on pgflow.step_tasks
  (hashtextextended(flow_slug || '/' || step_slug, 0), priority desc, shard, visible_at, task_index)
  with (deduplicate_items = off)
  where status = 'queued';

-- The completions still on parts (those whose remaining is above 0) go to their steps' rows,
-- where readers already counted them ...
update pgflow.step_states ss
set completed_tasks = ss.completed_tasks + p.on_parts,
    remaining_tasks = ss.remaining_tasks - p.on_parts
from (select run_id, step_slug, sum(completed) filter (where remaining > 0)::int as on_parts
        from pgflow.step_parts group by 1, 2) p
where ss.run_id = p.run_id and ss.step_slug = p.step_slug and p.on_parts > 0;

-- ... and each part counts again the unfinished items of the tasks in its shard: part 0 all of
-- them, the others none (a step that had parts kept all 16).
with live as (
  select t.run_id, t.step_slug, t.shard as part,
         sum(case when t.first_index is null then 1 else jsonb_array_length(t.item) end)::int as live
  from (select distinct run_id, step_slug from pgflow.step_parts) k
  join pgflow.step_tasks t on t.run_id = k.run_id and t.step_slug = k.step_slug
  where t.status in ('queued', 'started')
  group by 1, 2, 3
)
update pgflow.step_parts p
set remaining = coalesce((select l.live from live l
                           where l.run_id = p.run_id and l.step_slug = p.step_slug and l.part = p.part), 0),
    completed = 0;

-- The planner settings of every function: see finalize.sql. Those set before are reset first, so
-- that each function lists its settings in a fresh install's order.
do $$
declare
  f regprocedure;
begin
  for f in select p.oid::regprocedure from pg_catalog.pg_proc p where p.pronamespace = 'pgflow'::regnamespace loop
    execute format('alter function %s reset plan_cache_mode', f);
    execute format('alter function %s reset enable_seqscan', f);
    execute format('alter function %s reset jit', f);
    execute format('alter function %s set plan_cache_mode = force_generic_plan', f);
    execute format('alter function %s set enable_seqscan = off', f);
    execute format('alter function %s set enable_bitmapscan = off', f);
    execute format('alter function %s set jit = off', f);
  end loop;
end
$$;
