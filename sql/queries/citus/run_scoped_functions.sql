-- args: none
-- returns: function text
-- The functions of pgflow that Citus delegates to the node that holds the run they name: those
-- whose first argument is run_id (uuid). Citus pushes a call of one down whole, outside a
-- transaction block (`select pgflow.cancel_run(…)`, `select … from pgflow.progress(…)`), rather
-- than route its statements one by one from the node it was made on. Derived from the catalog, so
-- that a function added later with a run_id first is delegated too.
select p.oid::regprocedure::text as function
from pg_catalog.pg_proc p
where p.pronamespace = 'pgflow'::regnamespace and p.proargnames[1] = 'run_id'
  and p.proargtypes[0] = 'uuid'::regtype
order by 1
