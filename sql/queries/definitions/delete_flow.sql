-- args: flow_slug text
-- returns: nothing
-- One node only: the Citus mode deletes the runs' trees (flow_runs.sql, tree_runs.sql,
-- delete_runs.sql), then the definition (delete_definition.sql): Citus cannot join a flow's runs
-- with the runs below them, nor write reference tables and distributed ones in one statement.
-- $1 flow_slug. Removes the flow, its steps and dependencies, its runs and their steps and tasks,
-- in one statement (foreign keys are checked once, at its end). The caller has made sure that no
-- run of it is unfinished and holds the flow's row lock, so none starts meanwhile. The child runs
-- of its sub-flow fan-outs go with their trees (no other flow uses it as a sub-flow: the caller
-- checked, so all its runs are top-level ones).
with tree as materialized (
  select r.run_id from pgflow.runs r where r.flow_slug = $1
  union all
  select d.run_id from pgflow.runs r join pgflow.runs d on d.root_run_id = r.run_id and d.parent_run_id is not null
  where r.flow_slug = $1
), tasks as (
  delete from pgflow.step_tasks t where t.run_id = any (array(select run_id from tree))
), parts as (
  delete from pgflow.step_parts p where p.run_id = any (array(select run_id from tree))
), step_states as (
  delete from pgflow.step_states ss where ss.run_id = any (array(select run_id from tree))
), runs as (
  delete from pgflow.runs r where r.run_id = any (array(select run_id from tree))
), deps as (
  delete from pgflow.deps d where d.flow_slug = $1
), steps as (
  delete from pgflow.steps s where s.flow_slug = $1
)
delete from pgflow.flows f where f.flow_slug = $1
