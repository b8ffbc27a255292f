-- args: flow_slug text, step_slugs text[]
-- returns: step_slug text
-- $1 flow_slug, $2 step slugs. The first of them that is not a step of the flow, if any.
select w.step_slug
from unnest($2::text[]) with ordinality as w (step_slug, ord)
where not exists (select from pgflow.steps s where s.flow_slug = $1 and s.step_slug = w.step_slug)
order by w.ord
limit 1
