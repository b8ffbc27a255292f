-- args: flow_slug text, run_key text
-- returns: run_id uuid
-- $1 flow_slug, $2 run_key. The run started earlier with this key, if any.
select r.run_id from pgflow.runs r where r.flow_slug = $1 and r.run_key = $2
