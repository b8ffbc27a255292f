-- $1 flow_slug. Removes the flow, its steps and dependencies, its runs and their steps and tasks,
-- in one statement (foreign keys are checked once, at its end). The caller has made sure that no
-- run of it is unfinished and holds the flow's row lock, so none starts meanwhile.
with tasks as (
  delete from pgflow.step_tasks t where t.flow_slug = $1
), step_states as (
  delete from pgflow.step_states ss where ss.flow_slug = $1
), runs as (
  delete from pgflow.runs r where r.flow_slug = $1
), deps as (
  delete from pgflow.deps d where d.flow_slug = $1
), steps as (
  delete from pgflow.steps s where s.flow_slug = $1
)
delete from pgflow.flows f where f.flow_slug = $1
