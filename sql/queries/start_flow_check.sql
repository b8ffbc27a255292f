-- $1 flow_slug, $2 run input. The flow's first root fan-out step, if any, and the input's JSON type.
select
  (select s.step_slug from pgflow.steps s
    where s.flow_slug = f.flow_slug and s.step_type = 'fanout' and s.deps_count = 0
    order by s.step_index limit 1) as root_fanout,
  jsonb_typeof($2) as input_type
from pgflow.flows f
where f.flow_slug = $1
