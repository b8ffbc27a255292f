-- Generic plans for every query the engine keeps: all of them are key lookups whose best plan
-- does not depend on the values, and a custom plan would be re-planned on every call (the plan
-- cache keeps choosing custom plans for array parameters), which costs more than running them.
alter function pgflow.create_flow set plan_cache_mode = force_generic_plan;
alter function pgflow.add_step set plan_cache_mode = force_generic_plan;
alter function pgflow.start_flow set plan_cache_mode = force_generic_plan;
alter function pgflow.start_ready_steps set plan_cache_mode = force_generic_plan;
alter function pgflow.spawn_fanout_tasks set plan_cache_mode = force_generic_plan;
alter function pgflow.poll_for_tasks set plan_cache_mode = force_generic_plan;
alter function pgflow.complete_task set plan_cache_mode = force_generic_plan;
alter function pgflow.complete_tasks set plan_cache_mode = force_generic_plan;
alter function pgflow.complete_tasks_and_poll set plan_cache_mode = force_generic_plan;
alter function pgflow.fail_task set plan_cache_mode = force_generic_plan;
alter function pgflow.fail_tasks set plan_cache_mode = force_generic_plan;
alter function pgflow.cancel_run set plan_cache_mode = force_generic_plan;
alter function pgflow.verify_run set plan_cache_mode = force_generic_plan;
alter function pgflow.extend_lease set plan_cache_mode = force_generic_plan;
alter function pgflow.redrive_run set plan_cache_mode = force_generic_plan;
alter function pgflow.enforce_deadlines set plan_cache_mode = force_generic_plan;
alter function pgflow.progress set plan_cache_mode = force_generic_plan;
alter function pgflow.stats set plan_cache_mode = force_generic_plan;
alter function pgflow.read_results set plan_cache_mode = force_generic_plan;
alter function pgflow.wait_for_run set plan_cache_mode = force_generic_plan;
alter function pgflow.repair_run set plan_cache_mode = force_generic_plan;
alter function pgflow.prune_runs set plan_cache_mode = force_generic_plan;
alter function pgflow.run_tree set plan_cache_mode = force_generic_plan;
alter function pgflow.list_runs set plan_cache_mode = force_generic_plan;

-- The queue's size swings from empty to millions of rows within one backend's life, and every
-- plan is kept for that life: a plan made while step_tasks was nearly empty (a sequential scan)
-- would still run when it holds millions, one full scan per claim. Every query of the task
-- functions has an index that serves it at any size, so they never scan sequentially.
alter function pgflow.poll_for_tasks set enable_seqscan = off;
alter function pgflow.complete_task set enable_seqscan = off;
alter function pgflow.complete_tasks set enable_seqscan = off;
alter function pgflow.complete_tasks_and_poll set enable_seqscan = off;
alter function pgflow.fail_task set enable_seqscan = off;
alter function pgflow.fail_tasks set enable_seqscan = off;
alter function pgflow.extend_lease set enable_seqscan = off;
alter function pgflow.enforce_deadlines set enable_seqscan = off;
alter function pgflow.progress set enable_seqscan = off;
alter function pgflow.stats set enable_seqscan = off;
alter function pgflow.read_results set enable_seqscan = off;
alter function pgflow.wait_for_run set enable_seqscan = off;
alter function pgflow.prune_runs set enable_seqscan = off;
alter function pgflow.run_tree set enable_seqscan = off;
alter function pgflow.list_runs set enable_seqscan = off;

-- No JIT in any function of the engine (since 0.7.0). Its statements read few rows, but the
-- estimates of some plans grow with step_tasks: a step's end, which may aggregate a fan-out's
-- outputs, was estimated past jit_above_cost once the queue held 100,000 tasks, and every call
-- then compiled its expressions with LLVM again, about 300 ms for each step that ended, a single
-- step included (BENCHMARKS.md: the aggregate of 100,000 outputs).
do $$
declare
  f regprocedure;
begin
  for f in select p.oid::regprocedure from pg_catalog.pg_proc p where p.pronamespace = 'pgflow'::regnamespace loop
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
