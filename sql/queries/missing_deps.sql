-- $1 flow_slug, $2 dependency slugs. The first dependency that is not a step of the flow.
select d.slug
from unnest($2::text[]) with ordinality as d (slug, ord)
where not exists (select from pgflow.steps s where s.flow_slug = $1 and s.step_slug = d.slug)
order by d.ord
limit 1
