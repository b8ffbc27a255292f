-- args: none
-- returns: setting text
-- Until the transaction ends, Citus keeps the foreign keys of tables it makes reference tables as
-- they are: otherwise the first create_reference_table would turn every table those keys reach
-- into a Citus local table and create it again on the workers, which have it already (from the
-- extension), and fail ("relation ... already exists").
select pg_catalog.set_config('citus.enable_local_reference_table_foreign_keys', 'off', true) as setting
