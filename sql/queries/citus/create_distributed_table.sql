-- args: table_name text, colocate_with text
-- returns: done boolean
-- $1 a table of runs (runs, step_states, step_parts, step_tasks), sharded by run_id; $2 the table
-- whose shards its own go with ('default' for the first, runs): a run's rows all on one node.
select pg_catalog.create_distributed_table(pg_catalog.to_regclass($1), 'run_id', colocate_with => $2) is not null
  as done
