-- args: flow_slug text
-- returns: flow_max_attempts integer, flow_base_delay integer, flow_timeout integer,
--   flow_run_timeout integer null, flow_max_delay integer, flow_max_concurrency integer null,
--   step_slug text null, step_type text null, opt_max_attempts integer null,
--   opt_base_delay integer null, opt_timeout integer null, opt_start_delay integer null,
--   opt_fanout_timeout integer null, opt_max_delay integer null, fanout_policy text null,
--   success_threshold numeric null, when_exhausted text null, aggregate boolean null,
--   required_input_pattern jsonb null as pgrx::JsonB, forbidden_input_pattern jsonb null as pgrx::JsonB, when_unmet text null,
--   fanout_path text null, max_concurrency integer null, batch_size integer null,
--   subflow text null, deps text[]
-- $1 flow_slug. The flow's options and its steps in definition order, each with its dependencies
-- sorted; one row with NULL step columns for a flow without steps, none for an unknown flow.
select f.opt_max_attempts as flow_max_attempts, f.opt_base_delay as flow_base_delay,
       f.opt_timeout as flow_timeout, f.opt_run_timeout as flow_run_timeout,
       f.opt_max_delay as flow_max_delay, f.max_concurrency as flow_max_concurrency,
       s.step_slug::text as step_slug, s.step_type, s.opt_max_attempts, s.opt_base_delay,
       s.opt_timeout, s.opt_start_delay, s.opt_fanout_timeout, s.opt_max_delay, s.fanout_policy,
       s.success_threshold, s.when_exhausted, s.aggregate,
       s.required_input_pattern, s.forbidden_input_pattern, s.when_unmet, s.fanout_path, s.max_concurrency, s.batch_size, s.subflow,
       array(select d.dep_slug from pgflow.deps d
              where d.flow_slug = s.flow_slug and d.step_slug = s.step_slug
              order by d.dep_slug) as deps
from pgflow.flows f
left join pgflow.steps s on s.flow_slug = f.flow_slug
where f.flow_slug = $1
order by s.step_index
