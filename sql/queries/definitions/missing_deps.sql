-- args: flow_slug text, deps text[]
-- returns: slug text null, summary_dep text null
-- $1 flow_slug, $2 dependency slugs. One row: the first dependency that is not a step of the flow
-- (NULL if none), and the first that is a fan-out whose output is a summary (aggregate false),
-- which a fan-out cannot fan out over.
select (select d.slug
          from unnest($2::text[]) with ordinality as d (slug, ord)
         where not exists (select from pgflow.steps s where s.flow_slug = $1 and s.step_slug = d.slug)
         order by d.ord
         limit 1) as slug,
       (select s.step_slug::text
          from unnest($2::text[]) with ordinality as d (slug, ord)
          join pgflow.steps s on s.flow_slug = $1 and s.step_slug = d.slug
         where not s.aggregate
         order by d.ord
         limit 1) as summary_dep
