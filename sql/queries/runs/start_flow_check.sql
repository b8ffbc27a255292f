-- args: flow_slug text, input jsonb
-- returns: root_fanout text null, fanout_path text null, input_type text null, steps integer
-- $1 flow_slug, $2 run input. The flow's first root fan-out step, if any, its fanout_path, and the
-- JSON type of what it fans out over (the input, or the field of it at that path; NULL: no such field),
-- and its number of steps (the run's remaining_steps: create_run.sql).
select rf.step_slug as root_fanout, rf.fanout_path,
       jsonb_typeof(case when rf.fanout_path is null then $2 else $2 #> string_to_array(rf.fanout_path, '.') end)
         as input_type,
       (select count(*) from pgflow.steps s where s.flow_slug = f.flow_slug)::int as steps
from pgflow.flows f
left join lateral (
  select s.step_slug::text as step_slug, s.fanout_path
  from pgflow.steps s
  where s.flow_slug = f.flow_slug and s.step_type = 'fanout' and s.deps_count = 0
  order by s.step_index
  limit 1
) rf on true
where f.flow_slug = $1
