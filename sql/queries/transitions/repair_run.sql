-- args: run_id uuid, now timestamp with time zone
-- returns: subject text, what text, was text null, now text null
-- On the run's shard: in the Citus mode it runs on the run's shard as plain PostgreSQL
-- (plans::rows_on_run_shard), on the node that holds the run: Citus cannot route its joins.
-- $1 run_id (the caller holds its lock exclusively), $2 the clock. Sets every counter and status of the run that
-- disagrees with its tasks (the source of truth) to what they say, as verify_run.sql computes it:
-- per step the task counts, remaining_tasks and remaining_deps, initial_tasks, a completed
-- step's output, its parts (see step_parts in schema.sql); a step not started (or completed) while
-- it has unfinished tasks in a started run is started again; unfinished tasks of an ended run or of an ended step are cancelled; then the
-- run's remaining_steps. What finishing or failing the steps so repaired entails is the caller's
-- (the state machine's) next move. Returns each change as (subject, what, was, now).
with item as pgflow_run_items($1),
task_count as pgflow_item_counts(item),
part_live as (
  -- What each of the run's parts (see step_parts in schema.sql) should hold: its unfinished items.
  select p.step_slug, p.part, p.remaining, coalesce(l.live, 0) as live
  from pgflow.step_parts p
  left join (select i.step_slug, i.part, count(*)::int as live from item i
              where i.status in ('queued', 'started') group by 1, 2) l
    on l.step_slug = p.step_slug and l.part = p.part
  where p.run_id = $1
), state as (
  -- completed_tasks and remaining_tasks as they count, with the completions that wait in the
  -- step's parts; parts_wrong: a started step's part that does not hold its unfinished items.
  select ss.step_slug, ss.status, ss.remaining_deps, ss.initial_tasks, ss.remaining_tasks - u.completed as remaining_tasks,
         ss.completed_tasks + u.completed as completed_tasks, ss.failed_tasks, ss.output, r.status as run_status,
         ss.status = 'started' and exists (select from part_live pl where pl.step_slug = ss.step_slug and pl.remaining <> pl.live)
           as parts_wrong,
         s.step_type, s.fanout_policy, s.aggregate, s.step_index,
         coalesce(tc.total, 0) as total, coalesce(tc.completed, 0) as completed,
         coalesce(tc.failed, 0) as failed, coalesce(tc.live, 0) as live, tc.first_output,
         coalesce(tc.outputs, '[]') as outputs, coalesce(tc.envelopes, '[]') as envelopes,
         (select count(*)::int
            from pgflow.deps d
            left join pgflow.step_states dep on dep.run_id = ss.run_id and dep.step_slug = d.dep_slug
           where d.flow_slug = ss.flow_slug and d.step_slug = ss.step_slug
             and dep.status is distinct from 'completed' and dep.status is distinct from 'skipped') as deps_left
  from pgflow.step_states ss
  join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
  join pgflow.runs r on r.run_id = ss.run_id
  left join task_count tc on tc.step_slug = ss.step_slug
  cross join lateral (
    select coalesce(sum(p.completed) filter (where p.remaining > 0), 0)::int as completed
    from pgflow.step_parts p where p.run_id = $1 and p.step_slug = ss.step_slug) u
  where ss.run_id = $1
), target as (
  select st.*,
         case when st.run_status = 'started' and st.live > 0 and st.status in ('created', 'completed')
              then 'started' else st.status end as new_status,
         -- Unfinished tasks nobody will act on: in an ended run, or in a step that has ended.
         st.live > 0 and (st.run_status <> 'started' or st.status in ('failed', 'skipped', 'cancelled'))
           as cancel_live
  from state st
), fixed as (
  select t.*,
         case when t.total > 0 then t.total else t.initial_tasks end as new_initial,
         case when t.new_status = 'started' and t.total > 0 then t.total - t.completed - t.failed
              else t.remaining_tasks end as new_remaining,
         case when t.new_status in ('created', 'started') then t.deps_left else t.remaining_deps end as new_deps,
         case when t.new_status <> 'completed' then case when t.status = 'completed' then null else t.output end
              when t.step_type = 'single' then coalesce(t.first_output, 'null'::jsonb)
              when not t.aggregate then jsonb_build_object('total', t.total, 'completed', t.completed, 'failed', t.failed)
              when t.fanout_policy <> 'fail_fast' then t.envelopes
              else t.outputs end as new_output
  from target t
), fixed_step as (
  select f.* from fixed f
  where f.parts_wrong
     or (f.status, f.initial_tasks, f.remaining_tasks, f.completed_tasks, f.failed_tasks, f.remaining_deps, f.output)
        is distinct from
        (f.new_status, f.new_initial, f.new_remaining, f.completed, f.failed, f.new_deps, f.new_output)
), changed_parts as (
  -- A step's row rewritten counts all its completions, so its parts hold none, and its
  -- unfinished items.
  update pgflow.step_parts p
  set remaining = pl.live, completed = 0
  from part_live pl
  join fixed_step f on f.step_slug = pl.step_slug
  where p.run_id = $1 and p.step_slug = pl.step_slug and p.part = pl.part
), changed_steps as (
  update pgflow.step_states ss
  set status = f.new_status,
      started_at = case when f.new_status = 'started' then coalesce(ss.started_at, $2) else ss.started_at end,
      completed_at = case when f.new_status = 'completed' then ss.completed_at end,
      initial_tasks = f.new_initial,
      remaining_tasks = f.new_remaining,
      completed_tasks = f.completed,
      failed_tasks = f.failed,
      remaining_deps = f.new_deps,
      output = f.new_output
  from fixed_step f
  where ss.run_id = $1 and ss.step_slug = f.step_slug
), cancelled_task as materialized (
  -- Each takes its result number in a SELECT (Citus refuses a volatile function in an UPDATE).
  select t.step_slug, t.task_index, nextval('pgflow.step_tasks_result_seq') as result_seq
  from pgflow.step_tasks t
  join fixed f on f.step_slug = t.step_slug
  where t.run_id = $1 and f.cancel_live and t.status in ('queued', 'started')
  for update of t
), cancelled_tasks as (
  update pgflow.step_tasks t
  set status = 'cancelled', result_seq = c.result_seq
  from cancelled_task c
  where t.run_id = $1 and t.step_slug = c.step_slug and t.task_index = c.task_index
), run_fix as (
  select r.remaining_steps as was,
         (select count(*)::int from fixed f where f.new_status not in ('completed', 'skipped')) as now
  from pgflow.runs r
  where r.run_id = $1
), changed_run as (
  update pgflow.runs r
  set remaining_steps = run_fix.now
  from run_fix
  where r.run_id = $1 and r.remaining_steps <> run_fix.now
), change as (
  -- The first branch names the columns (no column list on the CTE: Citus loses it).
  select format('step %s', f.step_slug) as subject, c.what, c.was, c.now, f.step_index, c.ord
  from fixed f
  cross join lateral (values
    (1, 'status', f.status, f.new_status),
    (2, 'initial_tasks', f.initial_tasks::text, f.new_initial::text),
    (3, 'completed_tasks', f.completed_tasks::text, f.completed::text),
    (4, 'failed_tasks', f.failed_tasks::text, f.failed::text),
    (5, 'remaining_tasks', f.remaining_tasks::text, f.new_remaining::text),
    (6, 'remaining_deps', f.remaining_deps::text, f.new_deps::text),
    (7, 'output', f.output::text, f.new_output::text),
    (8, 'unfinished tasks', f.live::text, case when f.cancel_live then '0 (cancelled)' else f.live::text end)
  ) as c (ord, what, was, now)
  where c.was is distinct from c.now
  union all
  select format('step %s part %s', f.step_slug, pl.part), 'remaining', pl.remaining::text, pl.live::text, f.step_index, 9
  from fixed f
  join part_live pl on pl.step_slug = f.step_slug
  where f.parts_wrong and pl.remaining <> pl.live
  union all
  select 'run', 'remaining_steps', rf.was::text, rf.now::text, -1, 0
  from run_fix rf
  where rf.was <> rf.now
)
-- (The updates above run whether or not this reads them, as every data-modifying CTE does.)
select c.subject, c.what, coalesce(c.was, 'NULL') as was, coalesce(c.now, 'NULL') as now
from change c
order by c.step_index, c.ord
