-- args: child_ids uuid[], inputs jsonb[], task_indexes integer[], subflow text, subflow_steps integer,
--   priority integer, parent_run_id uuid, parent_step_slug text, root_run_id uuid
-- returns: none
-- Across nodes: each child run is on the shard its own id chooses (docs/citus.md), so a sub-flow
-- fan-out's children spread over the nodes.
-- $1 the child runs' ids, $2 their inputs (their tasks' items), $3 the tasks of the parent's step
-- they work for (child_tasks.sql); $4 the sub-flow and $5 its number of steps; $6 the parent's
-- priority, which they inherit, $7 the parent run, $8 its step and $9 its tree's root. Creates the
-- runs; their steps' states are create_step_states.sql's.
insert into pgflow.runs (run_id, flow_slug, input, remaining_steps, priority, parent_run_id, parent_step_slug,
                         parent_task_index, root_run_id)
select c.run_id, $4, c.input, $5, $6, $7, $8, c.task_index, $9
from unnest($1::uuid[], $2::jsonb[], $3::int[]) as c (run_id, input, task_index)
