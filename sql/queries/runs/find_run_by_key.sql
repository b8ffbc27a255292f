-- args: flow_slug text, run_key text
-- returns: run_id uuid
-- $1 flow_slug, $2 run_key. The run started earlier with this key, if any, whatever its id: a
-- keyed run started before 0.11.0 has a random one (since then, keyed_run.sql finds it by the id
-- its key derives). Read only when a start with the key found no run by that id and could not
-- create one either.
select r.run_id from pgflow.runs r where r.flow_slug = $1 and r.run_key = $2
