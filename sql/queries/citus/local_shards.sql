-- args: none
-- returns: shard bigint, step_tasks text, runs text, step_states text, step_parts text,
--   flows text, steps text, deps text
-- The shards of step_tasks placed on this node (Citus' catalog), in hash order, each with the
-- names of the shards of the other run tables colocated with it (the same hash range: the same
-- runs) and of this node's copies of the reference tables. A claim on this node reads and locks
-- these tables as plain PostgreSQL tables (docs/citus.md, "Claims"). None on a node that holds no
-- shard (the coordinator, by default).
with local_task_shard as (
  select s.shardid, s.shardminvalue
  from pg_catalog.pg_dist_shard s
  join pg_catalog.pg_dist_placement p on p.shardid = s.shardid
  where s.logicalrelid = 'pgflow.step_tasks'::regclass
    and p.groupid = (select g.groupid from pg_catalog.pg_dist_local_group g)
)
select t.shardid as shard,
       pg_catalog.shard_name('pgflow.step_tasks'::regclass, t.shardid) as step_tasks,
       pgflow_colocated_shard('pgflow.runs', t.shardminvalue) as runs,
       pgflow_colocated_shard('pgflow.step_states', t.shardminvalue) as step_states,
       pgflow_colocated_shard('pgflow.step_parts', t.shardminvalue) as step_parts,
       pgflow_reference_copy('pgflow.flows') as flows,
       pgflow_reference_copy('pgflow.steps') as steps,
       pgflow_reference_copy('pgflow.deps') as deps
from local_task_shard t
order by t.shardminvalue::int
