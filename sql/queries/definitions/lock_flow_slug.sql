-- args: flow_slug text
-- returns: locked void null
-- $1 flow_slug. Serialises ensure_flow_compiled calls for one slug until the transaction ends,
-- whether or not the flow exists yet (a missing flow has no row to lock).
select pg_advisory_xact_lock(1885824622, hashtext($1)) as locked
