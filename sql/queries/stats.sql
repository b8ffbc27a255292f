-- $1 flow_slug (NULL: every flow). One row per flow. Each figure is read through an index:
-- started runs and steps through their partial indexes, queued and running tasks through the
-- queue and lease indexes (so they cost what is waiting or running, not what has finished), the
-- queue lag from the queue index's oldest entry, finished runs through runs_finished_idx. Tasks
-- finished in the last minute are read from the runs that were started or finished in that minute.
select f.flow_slug::text,
       (select count(*) from pgflow.runs r
         where r.flow_slug = f.flow_slug and r.status = 'started') as active_runs,
       (select count(distinct ss.run_id) from pgflow.step_states ss
          join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
         where ss.flow_slug = f.flow_slug and ss.status = 'started' and s.step_type = 'fanout') as waiting_runs,
       (select count(*) from pgflow.step_states ss
          join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
         where ss.flow_slug = f.flow_slug and ss.status = 'started' and s.step_type = 'fanout') as active_fanouts,
       (select count(*) from pgflow.step_tasks t
         where t.flow_slug = f.flow_slug and t.status = 'queued') as queued_tasks,
       (select count(*) from pgflow.step_tasks t
         where t.flow_slug = f.flow_slug and t.status = 'started') as running_tasks,
       (select clock_timestamp() - t.visible_at from pgflow.step_tasks t
         where t.flow_slug = f.flow_slug and t.status = 'queued' and t.visible_at <= (select clock_timestamp())
         order by t.visible_at limit 1) as oldest_queued_age,
       recent.completed_last_minute,
       recent.failed_last_minute,
       (select count(*) from pgflow.runs r
         where r.flow_slug = f.flow_slug and r.status = 'completed'
           and coalesce(r.completed_at, r.failed_at, r.cancelled_at) >= clock_timestamp() - interval '1 hour')
         as runs_completed_last_hour,
       (select count(*) from pgflow.runs r
         where r.flow_slug = f.flow_slug and r.status = 'failed'
           and coalesce(r.completed_at, r.failed_at, r.cancelled_at) >= clock_timestamp() - interval '1 hour')
         as runs_failed_last_hour
from pgflow.flows f
cross join lateral (
  select count(*) filter (where t.status = 'completed' and t.completed_at >= clock_timestamp() - interval '1 minute')
           as completed_last_minute,
         count(*) filter (where t.status = 'failed' and t.failed_at >= clock_timestamp() - interval '1 minute')
           as failed_last_minute
  from (select r.run_id from pgflow.runs r
         where r.flow_slug = f.flow_slug and r.status = 'started'
        union
        select r.run_id from pgflow.runs r
         where r.flow_slug = f.flow_slug and r.status <> 'started'
           and coalesce(r.completed_at, r.failed_at, r.cancelled_at) >= clock_timestamp() - interval '1 minute') recent_run
  join pgflow.step_tasks t on t.run_id = recent_run.run_id and t.result_seq is not null
) recent
where $1::text is null or f.flow_slug = $1
order by f.flow_slug
