-- args: flow_slug text, run_key text, run_id uuid
-- returns: run_id uuid
-- $1 flow_slug, $2 run_key, $3 the run id the key derives (runs::run_id_of_key). The run started
-- with this key, found by its id: on Citus, on the one shard that holds it.
select r.run_id from pgflow.runs r where r.run_id = $3 and r.flow_slug = $1 and r.run_key = $2
