-- args: run_id uuid
-- returns: shard bigint
-- $1 run_id. The shard of step_tasks that holds the run's tasks (Citus' hash of the id), by which
-- local_shards.sql names a shard of this node: a statement Citus cannot route runs there, on the
-- node that holds the run (plans::rows_on_run_shard).
select pg_catalog.get_shard_id_for_distribution_column('pgflow.step_tasks', $1) as shard
