-- args: flow_slug text
-- returns: locked void null
-- $1 flow_slug. Serialises ensure_flow_compiled calls for one slug until the transaction ends,
-- whether or not the flow exists yet (a missing flow has no row to lock).
select pgflow_flow_slug_lock($1) as locked
