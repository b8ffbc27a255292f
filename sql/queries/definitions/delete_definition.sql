-- args: flow_slug text
-- returns: nothing
-- $1 flow_slug, whose runs are deleted (delete_runs.sql). delete_flow.sql's deletes of the
-- definition, in the Citus mode: the flow, its steps and their dependencies (reference tables),
-- in a statement apart from the runs' (distributed tables).
with deps as (
  delete from pgflow.deps d where d.flow_slug = $1
), steps as (
  delete from pgflow.steps s where s.flow_slug = $1
)
delete from pgflow.flows f where f.flow_slug = $1
