-- args: none
-- returns: nothing
-- Citus cannot plan most of the engine's statements as generic plans (their parameters decide the
-- shard), so in Citus mode every function of pgflow plans each call (plan_cache_mode as the
-- server says) instead of finalize.sql's force_generic_plan.
do $$
declare
  f regprocedure;
begin
  for f in select p.oid::regprocedure from pg_catalog.pg_proc p where p.pronamespace = 'pgflow'::regnamespace loop
    execute pg_catalog.format('alter function %s reset plan_cache_mode', f);
  end loop;
end
$$
