-- args: flow_slug text
-- returns: flow_slug text, step_slug text
-- $1 flow_slug. The first step of another flow that uses this flow as its sub-flow, if any.
select s.flow_slug::text as flow_slug, s.step_slug::text as step_slug
from pgflow.steps s
where s.subflow = $1 and s.flow_slug <> $1
order by s.flow_slug, s.step_slug
limit 1
