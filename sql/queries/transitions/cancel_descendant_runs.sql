-- args: run_id uuid, step_slug text, now timestamp with time zone
-- returns: run_id uuid, flow_slug text, step_slugs text[]
-- One node only: the Citus mode cancels each child by its own shard's statements (child_runs.sql,
-- machine::cancel_child_run), since a recursive statement over runs on every node is refused.
-- $1 run_id, $2 step_slug (NULL: every step), $3 the clock. The started child runs of the run (of that step's
-- tasks only, when given) and every started run below them are cancelled with their unfinished
-- steps and tasks, in one statement: a run that ended, or a step whose tasks were cancelled, leaves
-- no work running for it. The caller holds the tree's lock. Returns the cancelled runs, each with
-- its flow and the steps it cancelled (machine::announce tells listeners).
with recursive below (run_id) as (
  select r.run_id from pgflow.runs r
  where r.parent_run_id = $1 and ($2::text is null or r.parent_step_slug = $2) and r.status = 'started'
  union all
  select r.run_id from below b join pgflow.runs r on r.parent_run_id = b.run_id
  where r.status = 'started'
), run as (
  update pgflow.runs r
  set status = 'cancelled', cancelled_at = $3
  where r.run_id = any (array(select run_id from below)) and r.status = 'started'
  returning r.run_id, r.flow_slug
), task_locked as materialized (
  -- Each task takes its result number in a SELECT (Citus refuses a volatile function in an UPDATE).
  select t.run_id, t.step_slug, t.task_index, nextval('pgflow.step_tasks_result_seq') as result_seq
  from pgflow.step_tasks t
  where t.run_id = any (array(select run_id from run)) and t.status in ('queued', 'started')
  for update of t
), task as (
  update pgflow.step_tasks t
  set status = 'cancelled', result_seq = l.result_seq
  from task_locked l
  where t.run_id = l.run_id and t.step_slug = l.step_slug and t.task_index = l.task_index
), step as (
  update pgflow.step_states ss
  set status = 'cancelled'
  where ss.run_id = any (array(select run_id from run)) and ss.status in ('created', 'started')
  returning ss.run_id, ss.flow_slug, ss.step_slug
)
select r.run_id, r.flow_slug,
       array(select s.step_slug from step s where s.run_id = r.run_id order by s.step_slug) as step_slugs
from run r
