-- args: flow_slug text, subflow text
-- returns: cycle text
-- $1 flow_slug (being defined), $2 the sub-flow one of its steps would run. The chain of sub-flows
-- from $2 that leads back to $1 (a cycle, as 'a -> b -> a'), or nothing.
with recursive reach (flow_slug, path) as (
  select $2::text, array[$1::text, $2::text]
  union all
  select s.subflow, r.path || s.subflow
  from reach r
  join pgflow.steps s on s.flow_slug = r.flow_slug and s.subflow is not null
  where r.flow_slug <> $1 and not s.subflow = any (r.path[2:])
)
select array_to_string(r.path, ' -> ') as cycle
from reach r
where r.flow_slug = $1
limit 1
