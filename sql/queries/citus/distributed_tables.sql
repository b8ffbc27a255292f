-- args: tables text[]
-- returns: distributed integer
-- $1 tables (qualified names). How many of them Citus already holds (pg_dist_partition): reference
-- and distributed tables alike. Citus' catalog: prepared only where citus is installed.
select count(*)::int as distributed
from pg_catalog.pg_dist_partition p
where p.logicalrelid = any (array(select pg_catalog.to_regclass(t) from unnest($1::text[]) as t))
