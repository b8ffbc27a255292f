-- $1 run_id. Cancels every task of the run still waiting or running, so that nothing of it is
-- claimed or completed any more. Tasks are locked in key order, as complete_tasks locks them, so
-- a batch completion racing this cannot deadlock with it; a task being completed meanwhile is
-- waited for and then left completed.
with live as materialized (
  select t.run_id, t.step_slug, t.task_index
  from pgflow.step_tasks t
  where t.run_id = $1 and t.status in ('queued', 'started')
  order by t.run_id, t.step_slug, t.task_index
  for update of t
)
update pgflow.step_tasks t
set status = 'cancelled'
from live l
where t.run_id = l.run_id and t.step_slug = l.step_slug and t.task_index = l.task_index
  and t.status in ('queued', 'started')
