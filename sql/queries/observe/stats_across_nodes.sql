-- args: flow_slug text
-- returns: flow_slug text, active_runs bigint, waiting_runs bigint,
--   active_fanouts bigint, queued_tasks bigint null, running_tasks bigint,
--   oldest_queued_age interval null, completed_last_minute bigint null,
--   failed_last_minute bigint null, runs_completed_last_hour bigint null,
--   runs_failed_last_hour bigint null
-- Across nodes: stats.sql in the Citus mode, which refuses its correlated subqueries and its walk
-- over the queue's lanes; here each figure is one aggregate per flow that every shard answers for
-- its rows and Citus adds up. It reads what stats.sql reads: started runs and steps, queued and
-- running tasks (the queue's oldest visible task is the oldest of its lanes' heads), runs
-- finished in the last hour, and the tasks of runs started or finished in the last minute.
-- $1 flow_slug (NULL: every flow). One row per flow.
with run as (
  select r.flow_slug::text as flow_slug, count(*) as active_runs
  from pgflow.runs r
  where r.status = 'started' and ($1::text is null or r.flow_slug = $1)
  group by 1
), finished as (
  select r.flow_slug::text as flow_slug,
         count(*) filter (where r.status = 'completed') as runs_completed_last_hour,
         count(*) filter (where r.status = 'failed') as runs_failed_last_hour
  from pgflow.runs r
  where r.status in ('completed', 'failed') and ($1::text is null or r.flow_slug = $1)
    and coalesce(r.completed_at, r.failed_at, r.cancelled_at) >= clock_timestamp() - interval '1 hour'
  group by 1
), fanout as (
  select ss.flow_slug::text as flow_slug, count(distinct ss.run_id) as waiting_runs, count(*) as active_fanouts
  from pgflow.step_states ss
  join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
  where ss.status = 'started' and s.step_type = 'fanout' and ($1::text is null or ss.flow_slug = $1)
  group by 1
), task as (
  select t.flow_slug::text as flow_slug,
         count(*) filter (where t.status = 'queued') as queued_tasks,
         count(*) filter (where t.status = 'started') as running_tasks,
         min(t.visible_at) filter (where t.status = 'queued' and t.visible_at <= clock_timestamp()) as oldest_visible
  from pgflow.step_tasks t
  where t.status in ('queued', 'started') and ($1::text is null or t.flow_slug = $1)
  group by 1
), recent as (
  select rr.flow_slug::text as flow_slug,
         count(*) filter (where t.status = 'completed' and t.completed_at >= clock_timestamp() - interval '1 minute')
           as completed_last_minute,
         count(*) filter (where t.status = 'failed' and t.failed_at >= clock_timestamp() - interval '1 minute')
           as failed_last_minute
  from (select r.run_id, r.flow_slug from pgflow.runs r
         where r.status = 'started' and ($1::text is null or r.flow_slug = $1)
        union all
        select r.run_id, r.flow_slug from pgflow.runs r
         where r.status <> 'started' and ($1::text is null or r.flow_slug = $1)
           and coalesce(r.completed_at, r.failed_at, r.cancelled_at) >= clock_timestamp() - interval '1 minute') rr
  join pgflow.step_tasks t on t.run_id = rr.run_id and t.result_seq is not null
  group by 1
)
select f.flow_slug::text, coalesce(run.active_runs, 0) as active_runs, coalesce(fanout.waiting_runs, 0) as waiting_runs,
       coalesce(fanout.active_fanouts, 0) as active_fanouts, coalesce(task.queued_tasks, 0) as queued_tasks,
       coalesce(task.running_tasks, 0) as running_tasks, clock_timestamp() - task.oldest_visible as oldest_queued_age,
       recent.completed_last_minute, recent.failed_last_minute,
       coalesce(finished.runs_completed_last_hour, 0) as runs_completed_last_hour,
       coalesce(finished.runs_failed_last_hour, 0) as runs_failed_last_hour
from pgflow.flows f
left join run on run.flow_slug = f.flow_slug
left join finished on finished.flow_slug = f.flow_slug
left join fanout on fanout.flow_slug = f.flow_slug
left join task on task.flow_slug = f.flow_slug
left join recent on recent.flow_slug = f.flow_slug
where $1::text is null or f.flow_slug = $1
order by f.flow_slug
