-- args: flow_slug text
-- returns: found boolean
-- $1 flow_slug. Whether the flow is defined, for the functions that only read (find_flow.sql
-- locks the flow's row, which a read has no reason to hold).
select exists (select from pgflow.flows where flow_slug = $1) as found
