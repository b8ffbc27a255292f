-- args: run_id uuid, step_slug text
-- returns: items jsonb null, items_type text null, dep_slug text null, fanout_path text null,
--   item_count integer null, tasks integer null, shard_size integer null, parted boolean null,
--   start_delay integer, max_concurrency integer null, batch_size integer null, subflow boolean
-- $1 run_id, $2 step_slug (a started fan-out step without tasks yet). What the step fans out over
-- (its dependency's output, the run input for a root fan-out, or the field of either at the
-- step's fanout_path; an empty array when its dependency was skipped), its JSON type (NULL:
-- nothing at the path), the dependency slug (NULL for a root fan-out) and the path; for an array
-- (items: NULL otherwise), how its tasks are laid out (the one place that says so): item_count
-- items in `tasks` tasks of batch_size items each (1 without a batch_size; the last may hold
-- fewer), in ranges of shard_size consecutive tasks, one per shard of the queue
-- (step_tasks.shard: up to 16 ranges, at least 64 tasks each), and whether the step counts its
-- items in parts (step_parts: a fan-out of 64 tasks or more, but a sub-flow fan-out, whose tasks
-- are answered by their child runs' ends, several of which one worker's batch of answers may
-- cascade into, one call each, in no key order: on the step's row they cannot deadlock). And the
-- step's settings its spawn reads: start delay, max_concurrency, batch_size, whether its tasks are
-- child runs of a sub-flow.
select a.items, a.items_type, src.dep_slug, src.fanout_path, k.n as item_count, k.m as tasks,
       greatest(64, (k.m + 15) / 16) as shard_size, k.m >= 64 and src.subflow is null as parted,
       src.start_delay, src.max_concurrency, src.batch_size, src.subflow is not null as subflow
from (
  select coalesce(s.opt_start_delay, 0) as start_delay, s.max_concurrency, s.batch_size, s.subflow, d.dep_slug,
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
  offset 0
) src
cross join lateral (select jsonb_typeof(src.arr) as items_type,
                           case when jsonb_typeof(src.arr) = 'array' then src.arr end as items) a
-- n items in m tasks of bs items each (NULL: not an array).
cross join lateral (select jsonb_array_length(a.items) as n, coalesce(src.batch_size, 1) as bs) j
cross join lateral (select j.n, (j.n + j.bs - 1) / j.bs as m) k
