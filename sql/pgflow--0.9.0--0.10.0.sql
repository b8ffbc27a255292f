\echo Use "ALTER EXTENSION pgflow UPDATE TO '0.10.0'" to load this file. \quit
-- pgflow 0.9.0 -> 0.10.0: the first step of the Citus mode (docs/citus.md).
-- New: distribute(), which makes pgflow's tables Citus tables on a coordinator (refused where
-- citus is not installed). Nothing else in the schema changes; runs in flight carry on. The
-- library also changes what it runs (see CHANGELOG.md): reads no longer take a transaction id.

-- new: distribute()
CREATE FUNCTION "distribute"() RETURNS INT
STRICT VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'distribute_wrapper';

-- Privileges and planner settings of the new functions, as finalize.sql gives them.
revoke all on all functions in schema pgflow from public;
grant execute on all functions in schema pgflow to pgflow_admin;
do $$
declare
  f regprocedure;
begin
  for f in select p.oid::regprocedure from pg_catalog.pg_proc p where p.pronamespace = 'pgflow'::regnamespace loop
    execute format('alter function %s reset plan_cache_mode', f);
    execute format('alter function %s reset enable_seqscan', f);
    execute format('alter function %s reset enable_bitmapscan', f);
    execute format('alter function %s reset jit', f);
    execute format('alter function %s set plan_cache_mode = force_generic_plan', f);
    execute format('alter function %s set enable_seqscan = off', f);
    execute format('alter function %s set enable_bitmapscan = off', f);
    execute format('alter function %s set jit = off', f);
  end loop;
end
$$;
