-- args: table_name text
-- returns: done boolean
-- $1 a table of definitions (flows, steps, deps): copied to every node.
select pg_catalog.create_reference_table(pg_catalog.to_regclass($1)) is not null as done
