-- args: flow_slug text, lease_seconds integer, qty integer, worker_id uuid, step_slugs text[],
--   holds_capacity boolean, start_shard integer, now timestamp with time zone
-- returns: task pgflow.step_task_record null
-- $1 flow_slug, $2 lease seconds (NULL: each task's step timeout, else the flow's), $3 how many,
-- $4 worker_id (who holds the claims; may be NULL), $5 step slugs (NULL: every step of the flow),
-- $6 whether the caller holds the flow's capacity lock (lock_flow_capacity.sql), $7 the shard it
-- starts at (0 to 15: each backend its own, one further at each claim; see machine::start_shard), $8
-- the clock.
-- Claims queued tasks whose time has come: those of higher-priority runs first, then the oldest.
-- Each claim counts an attempt and hides the task for the lease, whose end the record carries
-- (lease_ends_at). A fan-out task's payload is its
-- own element ({"item": ...}), or for a batched fan-out its items ({"items": [...], "first_index":
-- i}); a single step's is the run input and the outputs of its completed dependencies (a
-- skipped one is left out), and its flow_input the run input (NULL for a fan-out task, whose run
-- input may be the array it fans out).
-- The queue is read lane by lane (a lane: the queued tasks of one step and one priority, see
-- step_tasks_queued_idx, whose key names the step by a hash of its slugs), highest priority first,
-- and each lane shard by shard (step_tasks.shard), from the shard $7 on: a claim takes what the
-- lanes of the highest priority hold in its first shard (the oldest first, and of two lanes the
-- one whose first entry is the older first, or of two as old, the one queued first: its message
-- id is the lower, as in pgflow's queue), then in the next shard, and so on, then the next
-- priority. Workers that start at different shards so take tasks from different places of the
-- queue (different index and heap pages, different parts of a fan-out's counters) instead of all
-- taking the same oldest tasks, skipping each other's locked rows; and as each claim starts one
-- shard further, every shard is read within 16 claims of any worker: none starves.
-- The lanes are found by a loose index scan, one probe per lane, so a claim reads what it returns
-- plus a probe per lane and per empty shard it passes, whatever is queued, and a claim of some
-- steps never reads the others' tasks. Every probe is an index scan in the index's order that stops
-- at its first row or at the limit; the functions run with enable_seqscan and enable_bitmapscan
-- off (finalize.sql), so that no plan made from statistics of a small queue reads a whole lane.
-- A flow with max_concurrency claims nothing unless the caller holds its capacity lock ($6), and
-- then no more than the cap leaves; the leases are counted after that lock was taken, so two
-- claims cannot both take the last slots.
-- The claimed rows are found by ctid (a TID scan): a join back to the table from a set of keys
-- whose size the generic plan cannot know would hash the whole queue instead, one full scan per
-- claim. The rows are locked by the subquery, so they cannot change before the update; a status
-- condition here would only invite a scan of the queue index filtered by ctid.
with recursive lane (step_slug, priority, head, head_message_id) as (
  select h.step_slug, h.priority, h.visible_at, h.message_id
  from pgflow.steps s
  cross join lateral pgflow_lane_top($1, s.step_slug) h
  -- A sub-flow fan-out's tasks are held by child runs, never claimed.
  where s.flow_slug = $1 and s.subflow is null and ($5::text[] is null or s.step_slug = any ($5::text[]))
  union all
  select h.step_slug, h.priority, h.visible_at, h.message_id
  from lane l
  cross join lateral (
    select q.step_slug, q.priority, q.visible_at, q.message_id
    from pgflow.step_tasks q
    where pgflow_lane_key(q.flow_slug, q.step_slug) = pgflow_lane_key($1, l.step_slug)
      and q.flow_slug = $1 and q.step_slug = l.step_slug and q.status = 'queued' and q.priority < l.priority
    order by q.priority desc, q.shard, q.visible_at, q.task_index
    limit 1) h
), claimed as (
  update pgflow.step_tasks t
  set status = 'started',
      attempts_count = t.attempts_count + 1,
      started_at = $8,
      -- coalesce evaluates the subquery only when no lease was given.
      visible_at = $8 + make_interval(secs => coalesce($2,
        (select coalesce(s.opt_timeout, f.opt_timeout)
           from pgflow.steps s join pgflow.flows f on f.flow_slug = s.flow_slug
          where s.flow_slug = t.flow_slug and s.step_slug = t.step_slug))),
      worker_id = $4
  where t.ctid = any (array(
      select x.ctid
      -- offset 0: the lanes' shards stay in this order through the nested loop below, which the
      -- limit stops as soon as it has enough (a shard's tasks are locked only as they are taken).
      from (select l.step_slug, l.priority, (($7 + sh.n) & 15)::smallint as shard
              from lane l cross join generate_series(0, 15) as sh (n)
             order by l.priority desc, sh.n, l.head, l.head_message_id offset 0) l
      cross join lateral (
        select q.ctid
        from pgflow.step_tasks q
        where pgflow_lane_key(q.flow_slug, q.step_slug) = pgflow_lane_key($1, l.step_slug)
          and q.flow_slug = $1 and q.step_slug = l.step_slug and q.status = 'queued' and q.priority = l.priority
          and q.shard = l.shard
          and q.visible_at <= $8
        order by q.visible_at, q.task_index
        -- Never more than the claim takes; it also makes this an ordered index scan that stops
        -- early rather than a sort of the whole shard.
        limit $3
        for update skip locked) x
      limit coalesce((
        select case when f.max_concurrency is null then $3
                    when $6 then least($3, greatest(0, f.max_concurrency
                                   - (select count(*) from pgflow.step_tasks l
                                       where l.flow_slug = $1 and l.status = 'started')))::int
                    else 0 end
        from pgflow.flows f where f.flow_slug = $1), 0)))
  returning t.flow_slug, t.run_id, t.step_slug, t.task_index, t.message_id, t.item, t.first_index, t.visible_at
)
select row(
  c.flow_slug,
  c.run_id,
  c.step_slug,
  pgflow_task_input(c.item, c.first_index, c.run_input, c.run_id, c.flow_slug, c.step_slug),
  c.message_id,
  c.task_index,
  c.run_input,
  c.visible_at
)::pgflow.step_task_record as task
-- offset 0 keeps the run input one lookup per single-step task instead of one per use.
from (select c.*, case when c.item is null
                       then (select r.input from pgflow.runs r where r.run_id = c.run_id) end as run_input
      from claimed c offset 0) c
