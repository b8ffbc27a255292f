-- Fragments the statements under sql/queries/ share, each written once here. A statement names
-- one as a function call, `pgflow_lane_key(q.flow_slug, q.step_slug)`; build.rs replaces the call
-- by the body below with {1}, {2}, ... the call's arguments, before the statement is compiled in.
-- The lines `name(parameters) = body`, each after a comment saying why it is so.

-- A step's lane of the queue: one 8-byte hash of 'flow_slug/step_slug' (slugs have no '/'), the
-- first key of step_tasks_queued_idx (sql/schema.sql, whose expression a test compares with this).
pgflow_lane_key(flow_slug, step_slug) = hashtextextended({1} || '/' || {2}, 0)

-- The run lock (docs/architecture.md, "Locks"): one advisory lock per run tree, keyed by the
-- tree's root run. Transitions that may cancel or reset others' tasks take it exclusively, in key
-- order (lock_runs.sql); answers take it shared.
pgflow_run_tree_lock(root_run_id) = pg_advisory_xact_lock(1885824620, hashtext({1}::text))
pgflow_run_tree_lock_shared(root_run_id) = pg_advisory_xact_lock_shared(1885824620, hashtext({1}::text))
pgflow_run_tree_try_lock(root_run_id) = pg_try_advisory_xact_lock(1885824620, hashtext({1}::text))

-- A waiter of wait_for_run, keyed by the first four bytes of its run id (src/engine/wait.rs).
pgflow_waiter_lock_shared(key) = pg_advisory_xact_lock_shared(1885824621, {1})

-- Calls of ensure_flow_compiled for one slug run one after another.
pgflow_flow_slug_lock(flow_slug) = pg_advisory_xact_lock(1885824622, hashtext({1}))

-- The capacity lock of a flow with max_concurrency: claims of the flow count its leases under it.
pgflow_flow_capacity_lock(flow_slug) = pg_advisory_xact_lock(1885824623, hashtext({1}))
pgflow_flow_capacity_try_lock(flow_slug) = pg_try_advisory_xact_lock(1885824623, hashtext({1}))
