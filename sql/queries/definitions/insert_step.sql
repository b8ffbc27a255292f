-- args: flow_slug text, step_slug text, deps text[], max_attempts integer, base_delay integer,
--   timeout integer, start_delay integer, step_type text, fanout_policy text,
--   success_threshold numeric, when_exhausted text, fanout_timeout integer, max_delay integer,
--   aggregate boolean, required_input_pattern jsonb, forbidden_input_pattern jsonb,
--   when_unmet text, fanout_path text, max_concurrency integer, batch_size integer, subflow text
-- returns: s pgflow.steps
-- $1 flow_slug, $2 step_slug, $3 deps, $4 max_attempts, $5 base_delay, $6 timeout,
-- $7 start_delay, $8 step_type, $9 fanout_policy, $10 success_threshold, $11 when_exhausted,
-- $12 fanout_timeout, $13 max_delay, $14 aggregate, $15 required_input_pattern,
-- $16 forbidden_input_pattern, $17 when_unmet, $18 fanout_path, $19 max_concurrency,
-- $20 batch_size, $21 subflow. The caller holds the flow's row lock, so step_index is stable.
with new_step as (
  insert into pgflow.steps as s (
    flow_slug, step_slug, step_type, step_index, deps_count,
    opt_max_attempts, opt_base_delay, opt_timeout, opt_start_delay,
    fanout_policy, success_threshold, when_exhausted, opt_fanout_timeout, opt_max_delay, aggregate,
    required_input_pattern, forbidden_input_pattern, when_unmet, fanout_path, max_concurrency, batch_size, subflow
  )
  select $1, $2, $8,
         (select count(*) from pgflow.steps where flow_slug = $1),
         cardinality($3::text[]), $4, $5, $6, $7, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21
  -- Columns, not the row (s): see create_flow.sql.
  returning s.*
), new_deps as (
  insert into pgflow.deps (flow_slug, dep_slug, step_slug)
  select $1, d.slug, $2 from unnest($3::text[]) as d (slug)
)
select row(n.*)::pgflow.steps as s from new_step n
