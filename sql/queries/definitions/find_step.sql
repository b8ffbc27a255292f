-- args: flow_slug text, step_slug text
-- returns: s pgflow.steps
-- $1 flow_slug, $2 step_slug
select s from pgflow.steps s where s.flow_slug = $1 and s.step_slug = $2
