-- args: none
-- returns: installed boolean
-- Whether the citus extension is installed in this database (pgflow.distribute needs it).
select exists (select from pg_catalog.pg_extension where extname = 'citus') as installed
