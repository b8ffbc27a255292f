-- args: run_id uuid, step_slug text, now timestamp with time zone
-- returns: remaining_steps integer null
-- $1 run_id, $2 step_slug (a step just skipped under skip-cascade), $3 the clock. Every step downstream of it,
-- however far, is skipped too (none of them can have started), and counted off the run.
-- Returns the run's remaining steps.
with recursive downstream (step_slug) as (
  select d.step_slug
  from pgflow.deps d
  where d.flow_slug = (select r.flow_slug from pgflow.runs r where r.run_id = $1) and d.dep_slug = $2
  union
  select d.step_slug
  from downstream
  join pgflow.deps d on d.dep_slug = downstream.step_slug
  where d.flow_slug = (select r.flow_slug from pgflow.runs r where r.run_id = $1)
), skipped as (
  update pgflow.step_states ss
  set status = 'skipped', failed_at = $3, skipped_at = $3,
      skip_reason = 'dependency_skipped',
      error_message = format('skipped because step ''%s'' failed', $2)
  where ss.run_id = $1 and ss.step_slug in (select step_slug from downstream) and ss.status = 'created'
  returning ss.step_slug
)
update pgflow.runs r
set remaining_steps = r.remaining_steps - (select count(*)::int from skipped)
where r.run_id = $1
returning r.remaining_steps
