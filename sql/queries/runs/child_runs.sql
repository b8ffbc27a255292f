-- args: run_id uuid, step_slug text
-- returns: run_id uuid, step_slug text, task_index integer, task_status text
-- $1 run_id, $2 step_slug (NULL: every step). The Citus mode's way down a run tree: the last child
-- run of each task of the run's sub-flow fan-outs (of that step only, when given), read from the
-- task that names it (its worker_id, set by hold_child_tasks.sql), with the task's status. Every
-- started child is the last of its task, so this finds them all, on the run's own shard, where
-- a look for the runs naming it as their parent would read every shard. In task order.
select t.worker_id as run_id, t.step_slug, t.task_index, t.status as task_status
from pgflow.step_tasks t
join pgflow.steps s on s.flow_slug = t.flow_slug and s.step_slug = t.step_slug
where t.run_id = $1 and ($2::text is null or t.step_slug = $2) and s.subflow is not null
  and t.worker_id is not null
order by t.step_slug, t.task_index
