-- args: run_id uuid, step_slug text, flow_slug text, priority integer
-- returns: arr_type text null, dep_slug text null, fanout_path text null, tasks integer null,
--   subflow boolean
-- $1 run_id, $2 step_slug (a started fan-out step without tasks yet), $3 the run's flow and $4
-- its priority (the lane its tasks join). Tasks are queued at the transaction's time, now(), as in
-- start_ready_steps.sql.
-- Creates one task per element of the array the step fans out over (its dependency's output, the
-- run input for a root fan-out, or the field of either at the step's fanout_path; an empty array
-- when its dependency was skipped), all in this one statement, each task holding its own element
-- so that claiming it never reads the whole array again. Creates nothing when it is not an array.
-- Fairness: tasks without a start delay join their lane (step and priority) at the time of its
-- oldest queued task (the oldest of its 16 shards' heads), not now, so that they are ordered by
-- item index among that backlog's tasks instead of after all of them: a run started beside a big
-- fan-out of the same step gets its items claimed among the big one's next ones, not once it has
-- drained.
-- Under batch_size each task holds up to that many consecutive items (item is their array,
-- first_index the first one's index); the step's counters count items all the same. A fan-out of
-- 64 tasks or more (but a sub-flow fan-out) also gets its counter parts (step_parts), one per shard
-- its tasks are in.
-- Under max_concurrency only the first that many tasks are queued to be claimed; the others wait
-- (visible_at 'infinity') until a task of the step leaves its slot (release_waiting below).
-- Returns the array's JSON type (NULL: nothing at the path), the dependency slug (NULL for a root
-- fan-out), the path, the number of items, and whether the step is a sub-flow fan-out (whose
-- tasks the caller hands to child runs: start_child_runs.sql).
with lane_head as (
  -- The oldest queued task of the lane (step and priority), over the queue's 16 shards: one
  -- probe each, in branches that name the lane by the arguments, not by the rows below, so that
  -- Citus can run them apart (each a read of every shard) before the rest, on the run's shard.
  select min(h.visible_at) as visible_at
  from (pgflow_lane_shard_head($3, $2, $4, 0) union all pgflow_lane_shard_head($3, $2, $4, 1)
        union all pgflow_lane_shard_head($3, $2, $4, 2) union all pgflow_lane_shard_head($3, $2, $4, 3)
        union all pgflow_lane_shard_head($3, $2, $4, 4) union all pgflow_lane_shard_head($3, $2, $4, 5)
        union all pgflow_lane_shard_head($3, $2, $4, 6) union all pgflow_lane_shard_head($3, $2, $4, 7)
        union all pgflow_lane_shard_head($3, $2, $4, 8) union all pgflow_lane_shard_head($3, $2, $4, 9)
        union all pgflow_lane_shard_head($3, $2, $4, 10) union all pgflow_lane_shard_head($3, $2, $4, 11)
        union all pgflow_lane_shard_head($3, $2, $4, 12) union all pgflow_lane_shard_head($3, $2, $4, 13)
        union all pgflow_lane_shard_head($3, $2, $4, 14) union all pgflow_lane_shard_head($3, $2, $4, 15)) h
), source as materialized (
  select ss.flow_slug,
         coalesce(s.opt_start_delay, 0) as start_delay,
         s.max_concurrency,
         s.batch_size,
         s.subflow,
         r.priority,
         d.dep_slug,
         s.fanout_path,
         case when d.dep_slug is not null and dep.status = 'skipped' then '[]'::jsonb
              when s.fanout_path is null then case when d.dep_slug is null then r.input else dep.output end
              else (case when d.dep_slug is null then r.input else dep.output end)
                   #> string_to_array(s.fanout_path, '.') end as arr
  from pgflow.step_states ss
  join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
  join pgflow.runs r on r.run_id = $1
  left join pgflow.deps d on d.flow_slug = ss.flow_slug and d.step_slug = ss.step_slug
  left join pgflow.step_states dep on dep.run_id = $1 and dep.step_slug = d.dep_slug
  where ss.run_id = $1 and ss.step_slug = $2
), checked as materialized (
  select src.flow_slug, src.start_delay, src.max_concurrency, src.batch_size, src.subflow, src.priority, src.dep_slug,
         src.fanout_path,
         src.arr, jsonb_typeof(src.arr) as arr_type, k.n, k.bs, k.m,
         -- Tasks per shard (step_tasks.shard): the m tasks in up to 16 ranges, at least 64 each.
         greatest(64, (k.m + 15) / 16) as shard_size,
         case when src.start_delay > 0 then now() + make_interval(secs => src.start_delay)
              else least(now(), (select h.visible_at from lane_head h)) end as visible_at
  from source src
  -- n items (NULL: not an array) in m tasks of bs items each (the last may hold fewer).
  cross join lateral (select case when jsonb_typeof(src.arr) = 'array' then jsonb_array_length(src.arr) end as n,
                             coalesce(src.batch_size, 1) as bs) j
  cross join lateral (select j.n, j.bs, (j.n + j.bs - 1) / j.bs as m) k
), spawned as (
  insert into pgflow.step_tasks (flow_slug, run_id, step_slug, task_index, item, priority, visible_at, shard)
  select c.flow_slug, $1, $2, (e.ord - 1)::int, e.item, c.priority,
         case when e.ord > c.max_concurrency then 'infinity'::timestamptz else c.visible_at end,
         ((e.ord - 1) / c.shard_size)::smallint
  from checked c
  cross join lateral jsonb_array_elements(c.arr) with ordinality as e (item, ord)
  where c.arr_type = 'array' and c.batch_size is null
), spawned_batches as (
  insert into pgflow.step_tasks (flow_slug, run_id, step_slug, task_index, item, first_index, priority, visible_at, shard)
  select c.flow_slug, $1, $2, b.batch, b.items, b.batch * c.batch_size, c.priority,
         case when b.batch >= c.max_concurrency then 'infinity'::timestamptz else c.visible_at end,
         (b.batch / c.shard_size)::smallint
  from checked c
  cross join lateral (
    select ((e.ord - 1) / c.batch_size)::int as batch, jsonb_agg(e.item order by e.ord) as items
    from jsonb_array_elements(c.arr) with ordinality as e (item, ord)
    group by 1) b
  where c.arr_type = 'array' and c.batch_size is not null
), parted as (
  -- A fan-out of 64 tasks or more counts its items in parts, a part per shard of its tasks (see
  -- step_parts in schema.sql), each created with the items its tasks hold: part p the tasks
  -- p * shard_size up to (p + 1) * shard_size of the m, each of bs items but the last, which holds
  -- the rest of the n items (verify_run.sql checks the parts against the tasks' shards, and the
  -- tests call it on every run). Not a sub-flow fan-out: its tasks are answered by their child
  -- runs' ends, several of which one worker's batch of answers may cascade into, one call each,
  -- in no key order; on the step's row they cannot deadlock.
  insert into pgflow.step_parts (run_id, step_slug, part, remaining)
  select $1, $2, p.part, b.items
  from checked c
  cross join generate_series(0, 15) as p (part)
  cross join lateral (
    select greatest(0, least(c.m, (p.part + 1) * c.shard_size) - p.part * c.shard_size) * c.bs
             - case when (c.m - 1) / c.shard_size = p.part then c.m * c.bs - c.n else 0 end as items) b
  where c.arr_type = 'array' and c.m >= 64 and c.subflow is null and b.items > 0
), sized as (
  update pgflow.step_states ss
  set initial_tasks = c.n, remaining_tasks = c.n
  from checked c
  where ss.run_id = $1 and ss.step_slug = $2 and c.arr_type = 'array'
)
select c.arr_type, c.dep_slug, c.fanout_path, c.n as tasks, c.subflow is not null as subflow from checked c
