-- args: none
-- returns: foreign_keys text, triggers text
-- Citus settings pgflow.distribute needs, until the transaction ends:
-- - citus.enable_local_reference_table_foreign_keys off: Citus keeps the foreign keys of the tables
--   it makes reference tables as they are; otherwise the first create_reference_table would turn
--   every table those keys reach into a Citus local table and create it again on the workers,
--   which have it already (from the extension), and fail ("relation ... already exists").
-- - citus.enable_unsafe_triggers on: step_states has a trigger (the deferred check
--   initial_tasks_known_when_started, schema.sql), which Citus refuses on a table it distributes
--   unless told. The trigger reads its row again, on the row's own shard (docs/citus.md).
select pg_catalog.set_config('citus.enable_local_reference_table_foreign_keys', 'off', true) as foreign_keys,
       pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true) as triggers
