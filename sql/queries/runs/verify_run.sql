-- args: run_id uuid
-- returns: subject text, what text, stored text null, expected text null
-- On the run's shard: in the Citus mode it runs on the run's shard as plain PostgreSQL
-- (plans::rows_on_run_shard), on the node that holds the run: Citus cannot route its correlated
-- subqueries.
-- $1 run_id. Recomputes what the engine keeps in counters and statuses from the run's tasks and
-- reports each disagreement as (subject, what, stored, expected). No row: the run is consistent.
with run as (
  select r.* from pgflow.runs r where r.run_id = $1
), part as (
  select p.step_slug, p.part, p.remaining, p.completed from pgflow.step_parts p where p.run_id = $1
), state as (
  -- completed_tasks and remaining_tasks as they count: with the completions that wait in the
  -- step's parts (see step_parts in schema.sql).
  select ss.run_id, ss.flow_slug, ss.step_slug, ss.status, ss.remaining_deps, ss.initial_tasks,
         ss.remaining_tasks - u.completed as remaining_tasks, ss.completed_tasks + u.completed as completed_tasks,
         ss.failed_tasks, ss.output,
         s.step_type, s.fanout_policy, s.when_exhausted, s.aggregate
  from pgflow.step_states ss
  join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
  cross join lateral (
    select coalesce(sum(p.completed) filter (where p.remaining > 0), 0)::int as completed
    from part p where p.step_slug = ss.step_slug) u
  where ss.run_id = $1
), item as pgflow_run_items($1),
task_count as pgflow_item_counts(item),
step as (
  select st.*, coalesce(tc.total, 0) as total, coalesce(tc.completed, 0) as completed,
         coalesce(tc.live, 0) as live, coalesce(tc.failed, 0) as failed, tc.max_index,
         case when st.status <> 'completed' then null
              when st.step_type = 'single' then coalesce(tc.first_output, 'null'::jsonb)
              when not st.aggregate then jsonb_build_object(
                'total', coalesce(tc.total, 0), 'completed', coalesce(tc.completed, 0), 'failed', coalesce(tc.failed, 0))
              when st.fanout_policy <> 'fail_fast' then coalesce(tc.envelopes, '[]')
              else coalesce(tc.outputs, '[]') end
           as expected_output,
         (select count(*)::int
            from pgflow.deps d
            left join pgflow.step_states dep on dep.run_id = st.run_id and dep.step_slug = d.dep_slug
           where d.flow_slug = st.flow_slug and d.step_slug = st.step_slug
             and dep.status is distinct from 'completed' and dep.status is distinct from 'skipped') as deps_left
  from state st
  left join task_count tc on tc.step_slug = st.step_slug
), problem as (
  -- The first branch names the columns (no column list on the CTE: Citus loses it).
  select 'run' as subject, 'remaining_steps' as what, r.remaining_steps::text as stored,
         (select count(*) from state where status not in ('completed', 'skipped'))::text as expected
  from run r
  union all
  select 'run', 'status', r.status, 'completed only when every step is completed or skipped'
  from run r
  where r.status = 'completed' and exists (select from state where status not in ('completed', 'skipped'))
  union all
  select 'run', 'output', coalesce(r.output::text, 'NULL'), 'the output of a completed run'
  from run r
  where r.status = 'completed' and r.output is null
  union all
  select 'run', 'status', r.status, 'no task queued or started once the run has ended'
  from run r
  where r.status <> 'started' and exists (select from step where live > 0)
  union all
  select 'run', 'status', r.status, 'failed when a fail_fast step that fails its run has a failed task'
  from run r
  where r.status not in ('failed', 'cancelled')
    and exists (select from step where failed > 0 and fanout_policy = 'fail_fast' and when_exhausted = 'fail')
  union all
  select format('step %s', s.step_slug), 'remaining_deps', s.remaining_deps::text, s.deps_left::text
  from step s
  where s.status in ('created', 'started') and s.remaining_deps <> s.deps_left
  union all
  select format('step %s', s.step_slug), 'initial_tasks', coalesce(s.initial_tasks::text, 'NULL'), s.total::text
  from step s
  where s.status <> 'created' and s.total > 0 and s.initial_tasks is distinct from s.total
  union all
  select format('step %s', s.step_slug), 'completed_tasks', s.completed_tasks::text, s.completed::text
  from step s
  where s.completed_tasks <> s.completed
  union all
  select format('step %s', s.step_slug), 'failed_tasks', s.failed_tasks::text, s.failed::text
  from step s
  where s.failed_tasks <> s.failed
  union all
  select format('step %s', s.step_slug), 'remaining_tasks', coalesce(s.remaining_tasks::text, 'NULL'),
         (s.total - s.completed - s.failed)::text
  from step s
  where s.status = 'started' and s.total > 0 and s.remaining_tasks is distinct from s.total - s.completed - s.failed
  union all
  select format('step %s part %s', s.step_slug, p.part), 'remaining', p.remaining::text, coalesce(l.live, 0)::text
  from part p
  join step s on s.step_slug = p.step_slug
  left join (select i.step_slug, i.part, count(*)::int as live from item i
              where i.status in ('queued', 'started') group by 1, 2) l
    on l.step_slug = p.step_slug and l.part = p.part
  where s.status = 'started' and p.remaining <> coalesce(l.live, 0)
  union all
  select format('step %s', s.step_slug), 'task_index', s.max_index::text, format('0 to %s without gaps', s.total - 1)
  from step s
  where s.total > 0 and s.max_index <> s.total - 1
  union all
  select format('step %s', s.step_slug), 'status', s.status, 'no tasks before the step starts'
  from step s
  where s.status = 'created' and s.total > 0
  union all
  select format('step %s', s.step_slug), 'status', s.status, 'completed only when none of its tasks is unfinished'
  from step s
  where s.status = 'completed'
    and (s.live > 0 or (s.fanout_policy = 'fail_fast' and s.completed <> s.total))
  union all
  select format('step %s', s.step_slug), 'status', s.status, 'started while it has tasks queued or started'
  from step s
  where s.live > 0 and s.status <> 'started'
  union all
  select format('step %s', s.step_slug), 'output', coalesce(s.output::text, 'NULL'), s.expected_output::text
  from step s
  where s.status = 'completed' and s.output is distinct from s.expected_output
)
select p.subject, p.what, p.stored, p.expected
from problem p
where p.what <> 'remaining_steps' or p.stored <> p.expected
