-- args: run_id uuid, now timestamp with time zone
-- returns: run_id uuid, step_slug text, task_index integer
-- One node only: the Citus mode reads each child's status on its shard, then holds the task
-- (resume_child_task.sql), since the join of a task with a run on another shard is refused.
-- $1 run_id (being redriven; the caller holds its tree's lock), $2 the clock. The queued tasks of its sub-flow
-- fan-outs whose last child run failed or was cancelled are held by that child again (started, one
-- attempt, as the child will be redriven and carry on where it stopped rather than start over).
-- Returns those children, which the caller redrives; a task without such a child is left queued
-- for child_tasks.sql.
update pgflow.step_tasks t
set status = 'started', attempts_count = 1, started_at = $2, visible_at = 'infinity'
from pgflow.runs c
where t.run_id = $1 and t.status = 'queued' and t.worker_id is not null
  and c.run_id = t.worker_id and c.parent_run_id = $1 and c.status in ('failed', 'cancelled')
returning c.run_id, t.step_slug, t.task_index
