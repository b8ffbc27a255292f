-- args: run_id uuid
-- returns: run_id uuid, parent_run_id uuid null, depth integer, flow_slug text,
--   status text, parent_step_slug text null, parent_task_index integer null,
--   total_tasks bigint, completed_tasks bigint, failed_tasks bigint
-- $1 run_id. The run and every run below it (the child runs of its sub-flow fan-outs, theirs, and
-- so on, every attempt's), depth first in task order, each with its task counts: items in all, and
-- completed and failed ones, from its steps' counters. Follows runs_parent_idx one level at a time.
with recursive tree (run_id, parent_run_id, depth, path) as (
  select r.run_id, r.parent_run_id, 0, ''::text
  from pgflow.runs r
  where r.run_id = $1
  union all
  select c.run_id, c.parent_run_id, t.depth + 1,
         t.path || '/' || c.parent_step_slug || ':' || lpad(c.parent_task_index::text, 10, '0') || ':'
           || to_char(c.started_at at time zone 'UTC', 'YYYYMMDDHH24MISSUS')
  from tree t
  join pgflow.runs c on c.parent_run_id = t.run_id
)
select t.run_id, t.parent_run_id, t.depth, r.flow_slug::text, r.status, r.parent_step_slug, r.parent_task_index,
       coalesce(n.total, 0)::bigint as total_tasks, coalesce(n.completed, 0)::bigint as completed_tasks,
       coalesce(n.failed, 0)::bigint as failed_tasks
from tree t
join pgflow.runs r on r.run_id = t.run_id
cross join lateral (
  select sum(ss.initial_tasks) as total,
         -- With the completions that wait in the steps' parts (see step_parts in schema.sql).
         sum(ss.completed_tasks) + (select coalesce(sum(p.completed) filter (where p.remaining > 0), 0)
                                      from pgflow.step_parts p where p.run_id = t.run_id) as completed,
         sum(ss.failed_tasks) as failed
  from pgflow.step_states ss
  where ss.run_id = t.run_id
) n
order by t.path collate "C"
