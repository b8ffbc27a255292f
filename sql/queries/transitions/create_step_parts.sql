-- args: run_id uuid, step_slug text, item_count integer, tasks integer, batch_size integer,
--   shard_size integer
-- returns: none
-- $1 run_id, $2 step_slug: a fan-out just spawned that counts its items in parts (step_parts in
-- schema.sql; fanout_source.sql says which, and lays out its $3 items in $4 tasks of $5 items
-- each, NULL: one, in ranges of $6 tasks). A part per shard of its tasks, each created with the
-- items its tasks hold: part p the tasks p * shard_size up to (p + 1) * shard_size, each of
-- batch_size items but the last task, which holds the rest of the items (verify_run.sql checks
-- the parts against the tasks' shards, and the tests call it on every run).
-- The rows are made from the arguments: Citus writes them to the run's shard.
insert into pgflow.step_parts (run_id, step_slug, part, remaining)
select $1, $2, p.part, b.items
from generate_series(0, 15) as p (part)
cross join lateral (select coalesce($5, 1) as bs) k
cross join lateral (
  select greatest(0, least($4, (p.part + 1) * $6) - p.part * $6) * k.bs
           - case when ($4 - 1) / $6 = p.part then $4 * k.bs - $3 else 0 end as items) b
where b.items > 0
