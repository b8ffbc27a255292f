-- args: run_id uuid
-- returns: step_slug text, step_type text, status text, total integer null,
--   queued integer, running integer, completed integer, failed integer,
--   cancelled integer, started_at timestamp with time zone null,
--   finished_at timestamp with time zone null, tasks_per_second numeric null, eta interval null
-- $1 run_id. One row per step of the run, in definition order, from its counters: total is NULL
-- until a fan-out is spawned. Running tasks are counted from the lease index, which holds only the
-- started tasks of the run's flow (what workers hold), never the step's other tasks. Every table
-- is pinned to the run (run_id = $1), so that on Citus the statement runs on the run's shard.
with leased as (
  -- In items, as the counters (a leased batch runs all its items).
  select t.step_slug, sum(case when t.first_index is null then 1 else jsonb_array_length(t.item) end)::int as running
  from pgflow.step_tasks t
  where t.flow_slug = (select r.flow_slug from pgflow.runs r where r.run_id = $1)
    and t.status = 'started'
    and t.run_id = $1
  group by t.step_slug
), step as (
  -- A step's completions not yet on its row wait in its parts (see step_parts in schema.sql).
  select ss.step_slug, s.step_type, s.step_index, ss.status, ss.initial_tasks as total,
         ss.remaining_tasks - u.completed as remaining_tasks, ss.completed_tasks + u.completed as completed_tasks,
         ss.failed_tasks, ss.started_at,
         case when ss.status in ('completed', 'failed', 'skipped', 'cancelled')
              then coalesce(ss.completed_at, ss.failed_at, r.cancelled_at, r.failed_at) end as finished_at,
         coalesce(l.running, 0) as running
  from pgflow.step_states ss
  join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
  join pgflow.runs r on r.run_id = $1
  left join leased l on l.step_slug = ss.step_slug
  cross join lateral (
    select coalesce(sum(p.completed) filter (where p.remaining > 0), 0)::int as completed
    from pgflow.step_parts p
    where p.run_id = $1 and p.step_slug = ss.step_slug) u
  where ss.run_id = $1
), rated as (
  select st.*,
         st.completed_tasks + st.failed_tasks as done,
         case when st.started_at is not null then
           round((st.completed_tasks + st.failed_tasks)::numeric
                 / greatest(extract(epoch from coalesce(st.finished_at, clock_timestamp()) - st.started_at), 0.001), 3)
         end as tasks_per_second
  from step st
)
select r.step_slug::text, r.step_type, r.status, r.total,
       case when r.status = 'started' then greatest(coalesce(r.remaining_tasks, 0) - r.running, 0) else 0 end as queued,
       case when r.status = 'started' then r.running else 0 end as running,
       r.completed_tasks as completed, r.failed_tasks as failed,
       case when r.finished_at is not null then greatest(coalesce(r.total, 0) - r.done, 0) else 0 end as cancelled,
       r.started_at, r.finished_at, r.tasks_per_second,
       case when r.finished_at is not null then interval '0'
            when r.status = 'started' and r.total is not null and r.tasks_per_second > 0
              then make_interval(secs => ((r.total - r.done) / r.tasks_per_second)::float8)
       end as eta
from rated r
order by r.step_index
