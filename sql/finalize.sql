-- Planner settings of every function of the engine (since 0.8.0 the same for all; a statement is
-- prepared once per backend, by whichever function runs it first, and then serves every other).
-- - plan_cache_mode = force_generic_plan: every statement is a key lookup or an ordered probe
--   whose best plan does not depend on the values, and a custom plan would be planned again on
--   every call (the plan cache keeps choosing custom plans for array parameters), which costs more
--   than running it.
-- - enable_seqscan and enable_bitmapscan off: the queue's size swings from empty to millions of
--   rows within one backend's life, its statistics are always behind it, and every plan is kept
--   for that life. A plan made from statistics of a small queue would read a whole lane for each
--   claim: a sequential scan, or a bitmap scan of a lane's queued tasks and a sort where an index
--   scan stops at the lane's first row (0.7.0: 14,000 buffers per claim at 600,000 tasks). Every
--   statement has an index scan that serves it at any size, shaped to stop early (LIMIT in the
--   index's order, lateral probes led by the few rows that drive them), so these leave the planner
--   only plans whose cost does not depend on the queue's size
--   (tests/shell/hot_paths_read_bounded_buffers_whatever_the_statistics.sh).
-- - jit = off (since 0.7.0): some estimates grow with step_tasks, and past jit_above_cost every
--   call compiled its expressions with LLVM again: about 300 ms for each step that ended, a single
--   step included, once the queue held 100,000 tasks (BENCHMARKS.md: the aggregate of 100,000
--   outputs).
do $$
declare
  f regprocedure;
begin
  for f in select p.oid::regprocedure from pg_catalog.pg_proc p where p.pronamespace = 'pgflow'::regnamespace loop
    execute format('alter function %s set plan_cache_mode = force_generic_plan', f);
    execute format('alter function %s set enable_seqscan = off', f);
    execute format('alter function %s set enable_bitmapscan = off', f);
    execute format('alter function %s set jit = off', f);
  end loop;
end
$$;

-- Least privilege. pgflow_worker may claim, complete and fail tasks and nothing else: no table
-- privilege, EXECUTE on the task functions, enforce_deadlines, and flow_shape and
-- compare_flow_shape (which read only a flow's definition, for a worker checking its flow at start)
-- only; they are SECURITY DEFINER, see src/api/tasks.rs, src/api/runs.rs and src/api/definition.rs.
-- pgflow_admin defines flows and starts, cancels and inspects runs. Roles belong to the cluster,
-- so they are created only when missing and outlive the extension.
do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'pgflow_worker') then
    create role pgflow_worker nologin;
  end if;
  if not exists (select from pg_catalog.pg_roles where rolname = 'pgflow_admin') then
    create role pgflow_admin nologin;
  end if;
end
$$;
revoke all on all functions in schema pgflow from public;
grant usage on schema pgflow to pgflow_worker, pgflow_admin;
grant execute on function pgflow.poll_for_tasks, pgflow.complete_task, pgflow.complete_tasks, pgflow.complete_tasks_and_poll,
  pgflow.fail_task, pgflow.fail_tasks, pgflow.extend_lease, pgflow.enforce_deadlines,
  pgflow.flow_shape, pgflow.compare_flow_shape to pgflow_worker;
grant execute on all functions in schema pgflow to pgflow_admin;
grant select, insert, update, delete on all tables in schema pgflow to pgflow_admin;
grant usage, select on sequence pgflow.step_tasks_message_id_seq, pgflow.step_tasks_result_seq to pgflow_admin;
