-- args: flow_slug text
-- returns: f pgflow.flows
-- $1 flow_slug. Locks the flow so concurrent add_step calls number steps one after another.
select f from pgflow.flows f where f.flow_slug = $1 for update
