-- args: run_ids uuid[], now timestamp with time zone
-- returns: run_id uuid, step_slug text, single boolean, unmet boolean, on_failure text as crate::engine::words::WhenFailed,
--   required_input_pattern text null, forbidden_input_pattern text null, flow_slug text, priority integer,
--   start_delay integer
-- $1 run_ids (a run, or the child runs a sub-flow fan-out just started), $2 the clock. Starts every created step
-- of these runs whose dependencies are all done (completed or skipped). Returns them per run and in
-- definition order: the single steps, whose task the caller queues (queue_tasks.sql), the fan-out
-- steps, which the caller spawns, and the steps whose condition does not hold (unmet),
-- which the caller ends at once as their when_unmet says; each with what its failure does to the run,
-- its run's flow and priority (the lane its tasks join) and its start delay in seconds.
-- A condition is checked once per step (a fan-out included), as pgflow checks it (since 0.9.0):
-- a root step's against the run input itself, a dependent step's against its dependencies'
-- outputs keyed by their slugs ({"<dependency>": <its output>, ...}, skipped ones left out).
-- A step without a condition never builds that input.
-- Every table is pinned to the runs ($1) as well as joined, so that Citus routes a call for one
-- run to its shard, whole (it routes an UPDATE in a WITH, never an INSERT: the tasks are a
-- statement of their own).
with candidate as materialized (
  select ss.run_id, ss.step_slug, ss.flow_slug, s.step_type, s.step_index, s.when_exhausted, s.when_unmet,
         coalesce(s.opt_start_delay, 0) as start_delay, r.priority,
         s.required_input_pattern, s.forbidden_input_pattern,
         case when s.required_input_pattern is null and s.forbidden_input_pattern is null then null
              when s.deps_count = 0 then r.input
              else coalesce(
                (select jsonb_object_agg(d.dep_slug, dep.output)
                   from pgflow.deps d
                   join pgflow.step_states dep on dep.run_id = ss.run_id and dep.step_slug = d.dep_slug
                  where d.flow_slug = ss.flow_slug and d.step_slug = ss.step_slug and dep.status = 'completed'
                    and dep.run_id = any ($1::uuid[])),
                '{}'::jsonb) end as input
  from pgflow.step_states ss
  join pgflow.steps s on s.flow_slug = ss.flow_slug and s.step_slug = ss.step_slug
  join pgflow.runs r on r.run_id = ss.run_id
  where ss.run_id = any ($1::uuid[])
    and r.run_id = any ($1::uuid[])
    and ss.status = 'created'
    and ss.remaining_deps = 0
    and r.status = 'started'
), ready as (
  update pgflow.step_states ss
  set status = 'started',
      started_at = $2,
      remaining_tasks = ss.initial_tasks
  from candidate c
  where ss.run_id = any ($1::uuid[]) and ss.run_id = c.run_id and ss.step_slug = c.step_slug and ss.status = 'created'
  returning c.run_id, c.step_slug, c.flow_slug, c.step_type, c.step_index, c.when_exhausted, c.when_unmet,
            c.start_delay, c.priority,
            -- A NULL input (no condition) or pattern matches nothing and rules nothing out.
            not (coalesce(c.input @> c.required_input_pattern, true)
                 and not coalesce(c.input @> c.forbidden_input_pattern, false)) as unmet,
            c.required_input_pattern, c.forbidden_input_pattern
)
select ready.run_id, ready.step_slug, ready.step_type = 'single' as single, ready.unmet,
       case when ready.unmet then ready.when_unmet else ready.when_exhausted end as on_failure,
       ready.required_input_pattern::text as required_input_pattern,
       ready.forbidden_input_pattern::text as forbidden_input_pattern,
       ready.flow_slug, ready.priority, ready.start_delay
from ready
order by ready.run_id, ready.step_index
