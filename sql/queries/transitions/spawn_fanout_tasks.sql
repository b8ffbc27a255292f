-- args: run_id uuid, step_slug text, flow_slug text, priority integer, items jsonb,
--   batch_size integer, max_concurrency integer, shard_size integer, start_delay integer,
--   lane_head timestamp with time zone
-- returns: none
-- $1 run_id, $2 step_slug (a started fan-out step without tasks yet), $3 the run's flow and $4
-- its priority (the lane its tasks join), $5 the array it fans out over, laid out as
-- fanout_source.sql says: $6 batch_size (NULL: one item a task), $7 max_concurrency (NULL: no cap),
-- $8 shard_size; $9 its start delay in seconds (0: none), and $10 the time of its lane's oldest
-- queued task (lane_head.sql; NULL: none queued, or a start delay).
-- Creates one task per element of the array, all in this one statement, each task holding its
-- own element so that claiming it never reads the whole array again; under batch_size each task
-- holds up to that many consecutive items (item is their array, first_index the first one's
-- index). The tasks are written in task order, the queue index's order within a shard.
-- Under max_concurrency only the first that many tasks are queued to be claimed; the others wait
-- (visible_at 'infinity') until a task of the step leaves its slot (release_waiting).
-- Tasks are queued at the transaction's time, now(), as in queue_tasks.sql; a start delay puts
-- them that much later. Fairness: tasks without a start delay join their lane at the time of its
-- oldest queued task, not now, so that they are ordered by item index among that backlog's tasks
-- instead of after all of them: a run started beside a big fan-out of the same step gets its items
-- claimed among the big one's next ones, not once it has drained.
-- The rows are made from the arguments (their message ids from the queue's sequence, which Citus
-- never reads on a shard): Citus makes them on the node the call runs on and writes them to the
-- run's shard.
insert into pgflow.step_tasks (flow_slug, run_id, step_slug, task_index, item, first_index, priority, visible_at, shard)
select $3, $1, $2, t.task_index, t.item, t.first_index, $4,
       case when t.task_index >= $7 then 'infinity'::timestamptz
            when $9 > 0 then now() + make_interval(secs => $9)
            else least(now(), $10) end,
       (t.task_index / $8)::smallint
from (
  select (e.ord - 1)::int as task_index, e.item, null::int as first_index
  from jsonb_array_elements($5) with ordinality as e (item, ord)
  where $6::int is null
  union all
  select b.batch, b.items, b.batch * $6
  from (select ((e.ord - 1) / $6)::int as batch, jsonb_agg(e.item order by e.ord) as items
          from jsonb_array_elements($5) with ordinality as e (item, ord)
         where $6::int is not null
         group by 1 order by 1) b
) t
