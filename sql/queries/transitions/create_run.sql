-- args: flow_slug text, input jsonb, run_id uuid, run_key text, priority integer
-- returns: run_id uuid, remaining_steps integer
-- $1 flow_slug, $2 input, $3 run_id (NULL: generate one), $4 run_key (may be NULL), $5 priority. Creates the
-- run and one state per step. Returns nothing when a run with the same key exists: a concurrent
-- start with that key waits here until the other commits, then finds its run. Returns the run's
-- id and its number of steps.
with id as (
  select coalesce($3, gen_random_uuid()) as run_id
), run as (
  -- A top-level run is the root of its own tree.
  insert into pgflow.runs (run_id, flow_slug, input, remaining_steps, run_key, priority, root_run_id)
  select id.run_id, $1, $2,
         (select count(*) from pgflow.steps where flow_slug = $1), $4, $5, id.run_id
  from id
  on conflict (flow_slug, run_key) where run_key is not null do nothing
  returning run_id, remaining_steps
), states as (
  insert into pgflow.step_states (run_id, flow_slug, step_slug, remaining_deps, initial_tasks)
  select run.run_id, s.flow_slug, s.step_slug, s.deps_count,
         case when s.step_type = 'single' then 1 end
  from pgflow.steps s, run
  where s.flow_slug = $1
)
select run.run_id, run.remaining_steps from run
