-- args: flow_slug text, input jsonb, run_id uuid, run_key text, priority integer
-- returns: run_id uuid, remaining_steps integer
-- $1 flow_slug, $2 input, $3 run_id (made by the caller: a keyed run's derives from its key, see
-- runs::run_id_of_key), $4 run_key (may be NULL), $5 priority. Creates the run and one state per
-- step. Returns nothing when the run exists, or a run with the same key (started before 0.11.0,
-- under another id): a concurrent start of the same run waits here until the other commits, then
-- finds its run. Returns the run's id and its number of steps.
with run as (
  -- A top-level run is the root of its own tree.
  insert into pgflow.runs (run_id, flow_slug, input, remaining_steps, run_key, priority, root_run_id)
  select $3, $1, $2, (select count(*) from pgflow.steps where flow_slug = $1), $4, $5, $3
  -- No arbiter named: the run's id (on Citus, the only one: its unique key on (flow_slug, run_key)
  -- is dropped), or on one node that key, for a keyed run started before 0.11.0.
  on conflict do nothing
  returning run_id, remaining_steps
), states as (
  insert into pgflow.step_states (run_id, flow_slug, step_slug, remaining_deps, initial_tasks)
  select run.run_id, s.flow_slug, s.step_slug, s.deps_count,
         case when s.step_type = 'single' then 1 end
  from pgflow.steps s, run
  where s.flow_slug = $1
)
select run.run_id, run.remaining_steps from run
