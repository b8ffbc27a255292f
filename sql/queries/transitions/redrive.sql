-- args: run_id uuid, now timestamp with time zone
-- returns: remaining_steps integer, finished_steps text[]
-- $1 run_id (a failed or cancelled run; the caller holds its lock and checked its status), $2 the
-- clock.
-- Starts the run again where it stopped: completed tasks keep their outputs; failed and cancelled
-- tasks are queued again with a fresh attempt budget; every step that had not completed or been
-- skipped starts again if it has tasks, else waits for its dependencies; counters are recomputed
-- from the tasks; the run is started and counts the redrive. Everything is computed from the
-- statement's snapshot: what it changes (failed and cancelled rows) is not what it counts
-- (completed and skipped ones).
-- Returns the run's remaining steps and the restarted steps with no task left to run.
with requeued as (
  -- Under a step's max_concurrency only its first that many requeued tasks are queued to be
  -- claimed; the others wait for a slot, as when the step was spawned. A sub-flow task keeps
  -- the id of its last child run (worker_id), which the caller redrives rather than starting over.
  update pgflow.step_tasks t
  set status = 'queued', attempts_count = 0, error_message = null, failed_at = null,
      started_at = null, worker_id = case when r.subflow then t.worker_id end, result_seq = null,
      visible_at = case when r.waits then 'infinity'::timestamptz else $2 end
  from (select q.step_slug, q.task_index, s.subflow is not null as subflow,
               row_number() over (partition by q.step_slug order by q.task_index) > s.max_concurrency as waits
          from pgflow.step_tasks q
          join pgflow.steps s on s.flow_slug = q.flow_slug and s.step_slug = q.step_slug
         where q.run_id = $1 and q.status in ('failed', 'cancelled')) r
  where t.run_id = $1 and t.step_slug = r.step_slug and t.task_index = r.task_index
    and t.status in ('failed', 'cancelled')
  returning t.step_slug
), item as (
  -- In items, as the counters keep them (a batch counts its items).
  select t.step_slug, t.task_index, t.shard, t.status,
         case when t.first_index is null then 1 else jsonb_array_length(t.item) end as items
  from pgflow.step_tasks t where t.run_id = $1
), task_count as (
  select t.step_slug, sum(t.items)::int as total,
         coalesce(sum(t.items) filter (where t.status = 'completed'), 0)::int as completed
  from item t
  group by t.step_slug
), parts_reset as (
  -- A restarted step's parts (see step_parts in schema.sql) count its items not completed, and no
  -- completion: its row counts them all (completed_tasks below).
  update pgflow.step_parts p
  set remaining = pc.remaining, completed = 0
  from (select t.step_slug, t.shard as part,
               coalesce(sum(t.items) filter (where t.status <> 'completed'), 0)::int as remaining
          from item t group by 1, 2) pc
  join pgflow.step_states ss on ss.run_id = $1 and ss.step_slug = pc.step_slug
  where p.run_id = $1 and p.step_slug = pc.step_slug and p.part = pc.part
    and ss.status not in ('completed', 'skipped')
), restarted as (
  update pgflow.step_states ss
  set status = case when c.total > 0 then 'started' else 'created' end,
      started_at = case when c.total > 0 then $2 end,
      failed_at = null, error_message = null, output = null,
      completed_tasks = c.completed,
      failed_tasks = 0,
      remaining_tasks = case when c.total > 0 then c.total - c.completed end,
      remaining_deps = (
        select count(*)::int
        from pgflow.deps d
        join pgflow.step_states dep on dep.run_id = $1 and dep.step_slug = d.dep_slug
        where d.flow_slug = ss.flow_slug and d.step_slug = ss.step_slug
          and dep.status not in ('completed', 'skipped'))
  from (select s.step_slug, coalesce(tc.total, 0) as total, coalesce(tc.completed, 0) as completed
          from pgflow.step_states s
          left join task_count tc on tc.step_slug = s.step_slug
         where s.run_id = $1) c
  where ss.run_id = $1 and ss.step_slug = c.step_slug
    and ss.status not in ('completed', 'skipped')
  returning ss.step_slug, ss.status, ss.remaining_tasks
), run as (
  update pgflow.runs r
  set status = 'started', started_at = $2, failed_at = null, cancelled_at = null,
      completed_at = null, error_message = null, output = null,
      redrive_count = r.redrive_count + 1,
      remaining_steps = (select count(*)::int from pgflow.step_states ss
                          where ss.run_id = $1 and ss.status not in ('completed', 'skipped'))
  where r.run_id = $1 and r.status in ('failed', 'cancelled')
  returning r.remaining_steps
)
select run.remaining_steps,
       array(select s.step_slug::text from restarted s
              where s.status = 'started' and s.remaining_tasks = 0 order by s.step_slug) as finished_steps
from run
