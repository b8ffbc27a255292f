-- $1 run_id. Recomputes what the engine keeps in counters and statuses from the run's tasks and
-- reports each disagreement as (subject, what, stored, expected). No row: the run is consistent.
with run as (
  select r.* from pgflow.runs r where r.run_id = $1
), state as (
  select ss.*, s.step_type
  from pgflow.step_states ss
  join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
  where ss.run_id = $1
), task_count as (
  select t.step_slug,
         count(*)::int as total,
         count(*) filter (where t.status = 'completed')::int as completed,
         count(*) filter (where t.status in ('queued', 'started'))::int as live,
         count(*) filter (where t.status = 'failed')::int as failed,
         max(t.task_index) as max_index,
         jsonb_agg(t.output order by t.task_index) as outputs
  from pgflow.step_tasks t
  where t.run_id = $1
  group by t.step_slug
), step as (
  select st.*, coalesce(tc.total, 0) as total, coalesce(tc.completed, 0) as completed,
         coalesce(tc.live, 0) as live, coalesce(tc.failed, 0) as failed, tc.max_index, tc.outputs,
         (select count(*)::int
            from pgflow.deps d
            left join pgflow.step_states dep on dep.run_id = st.run_id and dep.step_slug = d.dep_slug
           where d.flow_slug = st.flow_slug and d.step_slug = st.step_slug
             and dep.status is distinct from 'completed') as deps_left
  from state st
  left join task_count tc on tc.step_slug = st.step_slug
), problem (subject, what, stored, expected) as (
  select 'run', 'remaining_steps', r.remaining_steps::text,
         (select count(*) from state where status <> 'completed')::text
  from run r
  union all
  select 'run', 'status', r.status, 'completed only when every step is completed'
  from run r
  where r.status = 'completed' and exists (select from state where status <> 'completed')
  union all
  select 'run', 'output', coalesce(r.output::text, 'NULL'), 'the output of a completed run'
  from run r
  where r.status = 'completed' and r.output is null
  union all
  select 'run', 'status', r.status, 'no task queued or started once the run has ended'
  from run r
  where r.status <> 'started' and exists (select from step where live > 0)
  union all
  select 'run', 'status', r.status, 'failed when a task has failed'
  from run r
  where r.status <> 'failed' and exists (select from step where failed > 0)
  union all
  select format('step %s', s.step_slug), 'remaining_deps', s.remaining_deps::text, s.deps_left::text
  from step s
  where s.remaining_deps <> s.deps_left
  union all
  select format('step %s', s.step_slug), 'initial_tasks', coalesce(s.initial_tasks::text, 'NULL'), s.total::text
  from step s
  where s.status <> 'created' and s.total > 0 and s.initial_tasks is distinct from s.total
  union all
  select format('step %s', s.step_slug), 'remaining_tasks', coalesce(s.remaining_tasks::text, 'NULL'),
         (s.total - s.completed)::text
  from step s
  where s.status <> 'created' and s.total > 0 and s.remaining_tasks is distinct from s.total - s.completed
  union all
  select format('step %s', s.step_slug), 'task_index', s.max_index::text, format('0 to %s without gaps', s.total - 1)
  from step s
  where s.total > 0 and s.max_index <> s.total - 1
  union all
  select format('step %s', s.step_slug), 'status', s.status, 'no tasks before the step starts'
  from step s
  where s.status = 'created' and s.total > 0
  union all
  select format('step %s', s.step_slug), 'status', s.status, 'completed only when all its tasks are'
  from step s
  where s.status = 'completed' and s.completed <> s.total
  union all
  select format('step %s', s.step_slug), 'status', s.status, 'started while it has tasks queued or started'
  from step s
  where s.live > 0 and s.status <> 'started'
  union all
  select format('step %s', s.step_slug), 'output', coalesce(s.output::text, 'NULL'),
         case when s.step_type = 'fanout' then coalesce(s.outputs, '[]'::jsonb)::text
              else coalesce(s.outputs -> 0, 'null'::jsonb)::text end
  from step s
  where s.status = 'completed'
    and s.output is distinct from case when s.step_type = 'fanout' then coalesce(s.outputs, '[]'::jsonb)
                                       else s.outputs -> 0 end
)
select p.subject, p.what, p.stored, p.expected
from problem p
where p.what <> 'remaining_steps' or p.stored <> p.expected
