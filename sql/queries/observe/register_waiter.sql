-- args: lock_key integer
-- returns: registered void null
-- $1 the run's wait key (src/engine/wait.rs). A session waiting for a run holds this lock shared
-- until its transaction ends; the session that ends the run finds the holders through the lock
-- table after its commit and sets their latches.
select pgflow_waiter_lock_shared($1) as registered
