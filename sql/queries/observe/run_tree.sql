-- args: run_ids uuid[], children boolean
-- returns: run_id uuid, parent_run_id uuid null, flow_slug text, status text,
--   parent_step_slug text null, parent_task_index integer null,
--   started_at timestamp with time zone, total_tasks bigint, completed_tasks bigint,
--   failed_tasks bigint
-- Across nodes: a tree's runs are on every shard (the children of a fan-out spread over them).
-- $1 run_ids, $2 children: the runs themselves (false) or the runs whose parent is one of them
-- (true: every attempt's child runs of their sub-flow fan-outs), each with its task counts: items
-- in all, and completed and failed ones, from its steps' counters. observe::run_tree walks a tree
-- with it one level at a time (runs_parent_idx), which Citus runs on every shard where a recursive
-- statement is refused, and puts the runs depth first in task order.
select r.run_id, r.parent_run_id, r.flow_slug::text, r.status, r.parent_step_slug, r.parent_task_index,
       r.started_at,
       coalesce(n.total, 0)::bigint as total_tasks, coalesce(n.completed, 0)::bigint as completed_tasks,
       coalesce(n.failed, 0)::bigint as failed_tasks
from pgflow.runs r
cross join lateral (
  select sum(ss.initial_tasks) as total,
         -- With the completions that wait in the steps' parts (see step_parts in schema.sql).
         sum(ss.completed_tasks) + (select coalesce(sum(p.completed) filter (where p.remaining > 0), 0)
                                      from pgflow.step_parts p where p.run_id = r.run_id) as completed,
         sum(ss.failed_tasks) as failed
  from pgflow.step_states ss
  where ss.run_id = r.run_id
) n
where ($2 and r.parent_run_id = any ($1::uuid[])) or (not $2 and r.run_id = any ($1::uuid[]))
