-- $1 run_id. Starts every created step whose dependencies are all done (completed or skipped),
-- creates the task of each single step in the same statement, and returns the fan-out steps (with
-- what their failure does to the run), which the caller spawns.
with ready as (
  update pgflow.step_states ss
  set status = 'started',
      started_at = clock_timestamp(),
      remaining_tasks = ss.initial_tasks
  from pgflow.steps s, pgflow.runs r
  where ss.run_id = $1
    and ss.status = 'created'
    and ss.remaining_deps = 0
    and r.run_id = ss.run_id
    and r.status = 'started'
    and s.flow_slug = ss.flow_slug
    and s.step_slug = ss.step_slug
  returning ss.flow_slug, ss.step_slug, s.step_type, s.step_index, s.when_exhausted,
            coalesce(s.opt_start_delay, 0) as start_delay
), single_tasks as (
  insert into pgflow.step_tasks (flow_slug, run_id, step_slug, task_index, visible_at)
  select ready.flow_slug, $1, ready.step_slug, 0, now() + make_interval(secs => ready.start_delay)
  from ready
  where ready.step_type = 'single'
)
select ready.step_slug, ready.when_exhausted from ready where ready.step_type = 'fanout' order by ready.step_index
