-- args: flow_slug text, max_attempts integer, base_delay integer, timeout integer,
--   run_timeout integer, max_delay integer, max_concurrency integer
-- returns: f pgflow.flows null
-- $1 flow_slug, $2 max_attempts, $3 base_delay, $4 timeout, $5 run_timeout (may be NULL),
-- $6 max_delay, $7 max_concurrency (may be NULL). Returns the new row, or the existing one when the flow is already defined.
with inserted as (
  insert into pgflow.flows as f (flow_slug, opt_max_attempts, opt_base_delay, opt_timeout,
                                 opt_run_timeout, opt_max_delay, max_concurrency)
  values ($1, $2, $3, $4, $5, $6, $7)
  on conflict (flow_slug) do nothing
  -- Columns, not the row (f): Citus cannot return a whole row of a distributed or reference
  -- table from an INSERT (it sends the shard's row type).
  returning f.*
)
select row(i.*)::pgflow.flows as f from inserted i
union all
select f from pgflow.flows f
where f.flow_slug = $1 and not exists (select from inserted)
