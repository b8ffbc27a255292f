-- args: function text
-- returns: done boolean
-- $1 a function of run_scoped_functions.sql: Citus runs a call of it on the node that holds the
-- run its first argument names (its shard colocated with the runs').
select pg_catalog.create_distributed_function(pg_catalog.to_regprocedure($1), 'run_id', colocate_with => 'pgflow.runs')
  is not null as done
