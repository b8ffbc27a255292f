-- args: run_ids uuid[], flow_slug text
-- returns: none
-- $1 run_ids (a run just created, or the child runs a sub-flow fan-out just created), $2 their
-- flow. Creates one state per step of the flow for each run, every step waiting for its
-- dependencies, a single step counting its one task.
-- The rows are made from the flow's definition, which every node holds (a reference table on
-- Citus), so Citus makes them on the node the call runs on and writes them to each run's shard:
-- the run's alone for one run.
insert into pgflow.step_states (run_id, flow_slug, step_slug, remaining_deps, initial_tasks)
select r.run_id, s.flow_slug, s.step_slug, s.deps_count, case when s.step_type = 'single' then 1 end
from unnest($1::uuid[]) as r (run_id)
cross join pgflow.steps s
where s.flow_slug = $2
