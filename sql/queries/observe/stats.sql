-- args: flow_slug text
-- returns: flow_slug text, active_runs bigint, waiting_runs bigint,
--   active_fanouts bigint, queued_tasks bigint null, running_tasks bigint,
--   oldest_queued_age interval null, completed_last_minute bigint null,
--   failed_last_minute bigint null, runs_completed_last_hour bigint null,
--   runs_failed_last_hour bigint null
-- One node only: the Citus mode reads stats_across_nodes.sql (Citus refuses the correlated
-- subqueries and the recursive walk of the queue's lanes).
-- $1 flow_slug (NULL: every flow). One row per flow. Each figure is read through an index:
-- started runs and steps through their partial indexes, queued tasks through the queue index
-- (one lane key per step of the flow), running ones through the lease index (so they cost what is
-- waiting or running, not what has finished), the queue lag from the oldest head of the queue
-- index's lanes, finished runs through runs_finished_idx. Tasks finished in the last minute are
-- read from the runs that were started or finished in that minute.
select f.flow_slug::text,
       (select count(*) from pgflow.runs r
         where r.flow_slug = f.flow_slug and r.status = 'started') as active_runs,
       (select count(distinct ss.run_id) from pgflow.step_states ss
          join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
         where ss.flow_slug = f.flow_slug and ss.status = 'started' and s.step_type = 'fanout') as waiting_runs,
       (select count(*) from pgflow.step_states ss
          join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
         where ss.flow_slug = f.flow_slug and ss.status = 'started' and s.step_type = 'fanout') as active_fanouts,
       (select coalesce(sum(q.n), 0) from pgflow.steps s
          cross join lateral (
            select count(*) as n from pgflow.step_tasks t
            where pgflow_lane_key(t.flow_slug, t.step_slug) = pgflow_lane_key(f.flow_slug, s.step_slug)
              and t.flow_slug = f.flow_slug and t.step_slug = s.step_slug and t.status = 'queued') q
         where s.flow_slug = f.flow_slug)::bigint as queued_tasks,
       (select count(*) from pgflow.step_tasks t
         where t.flow_slug = f.flow_slug and t.status = 'started') as running_tasks,
       -- The oldest head among the queue's lanes (claim_tasks.sql), found the way claims find them,
       -- then in each lane the oldest of its shards' heads.
       (with recursive lane (step_slug, priority, head) as (
          select h.step_slug, h.priority, h.visible_at
          from pgflow.steps s
          cross join lateral pgflow_lane_top(f.flow_slug, s.step_slug) h
          where s.flow_slug = f.flow_slug
          union all
          select h.step_slug, h.priority, h.visible_at
          from lane l
          cross join lateral (
            select q.step_slug, q.priority, q.visible_at from pgflow.step_tasks q
            where pgflow_lane_key(q.flow_slug, q.step_slug) = pgflow_lane_key(f.flow_slug, l.step_slug)
              and q.flow_slug = f.flow_slug and q.step_slug = l.step_slug and q.status = 'queued'
              and q.priority < l.priority
            order by q.priority desc, q.shard, q.visible_at, q.task_index limit 1) h)
        select clock_timestamp() - min(h.visible_at)
        from lane l
        cross join generate_series(0, 15) as sh (shard)
        cross join lateral (
          select q.visible_at from pgflow.step_tasks q
          where pgflow_lane_key(q.flow_slug, q.step_slug) = pgflow_lane_key(f.flow_slug, l.step_slug)
            and q.flow_slug = f.flow_slug and q.step_slug = l.step_slug and q.status = 'queued'
            and q.priority = l.priority and q.shard = sh.shard
          order by q.visible_at limit 1) h
        where h.visible_at <= clock_timestamp()) as oldest_queued_age,
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
