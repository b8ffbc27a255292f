-- args: run_ids uuid[]
-- returns: deleted bigint
-- Across nodes: a tree's runs are on every shard (the children of a fan-out spread over them).
-- $1 the runs of a finished tree (tree_runs.sql), whose lock the caller holds. Deletes them with
-- their step states, parts and tasks (prune_runs.sql's deletes, in the Citus mode). Returns how
-- many runs it deleted.
with tasks as (
  delete from pgflow.step_tasks t where t.run_id = any ($1::uuid[])
), parts as (
  delete from pgflow.step_parts p where p.run_id = any ($1::uuid[])
), states as (
  delete from pgflow.step_states ss where ss.run_id = any ($1::uuid[])
), deleted as (
  delete from pgflow.runs r where r.run_id = any ($1::uuid[])
  returning r.run_id
)
select count(*) as deleted from deleted d
