-- args: flow_slug text, input jsonb, run_id uuid, run_key text, priority integer, steps integer
-- returns: run_id uuid
-- $1 flow_slug, $2 input, $3 run_id (made by the caller: a keyed run's derives from its key, see
-- runs::run_id_of_key), $4 run_key (may be NULL), $5 priority, $6 the flow's number of steps
-- (start_flow_check.sql). Creates the run, a top-level run and so the root of its own tree; its
-- steps' states are create_step_states.sql's. Returns nothing when the run exists, or a run with
-- the same key (started before 0.11.0, under another id): a concurrent start of the same run waits
-- here until the other commits, then finds its run.
-- One row of values, no subquery: the one INSERT that Citus routes whole to the run's shard.
insert into pgflow.runs (run_id, flow_slug, input, remaining_steps, run_key, priority, root_run_id)
values ($3, $1, $2, $6, $4, $5, $3)
-- No arbiter named: the run's id (on Citus, the only one: its unique key on (flow_slug, run_key)
-- is dropped), or on one node that key, for a keyed run started before 0.11.0.
on conflict do nothing
returning run_id
