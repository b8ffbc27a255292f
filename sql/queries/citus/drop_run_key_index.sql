-- args: none
-- returns: nothing
-- Citus refuses a unique index of a distributed table that does not hold its distribution column:
-- the one on (flow_slug, run_key) of runs goes. A keyed start stays idempotent on every node: its
-- run id derives from the key (runs::run_id_of_key), and the primary key holds one run per id.
drop index pgflow.runs_flow_slug_run_key_key
