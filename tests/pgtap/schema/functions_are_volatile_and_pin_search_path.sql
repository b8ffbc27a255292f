begin;
select plan(7);

select functions_are('pgflow', array[
  'create_flow', 'add_step', 'start_flow', 'start_ready_steps', 'spawn_fanout_tasks',
  'poll_for_tasks', 'complete_task', 'fail_task', 'complete_tasks', 'fail_tasks', 'complete_tasks_and_poll',
  'cancel_run', 'verify_run', 'redrive_run', 'enforce_deadlines', 'extend_lease',
  'progress', 'stats', 'read_results', 'run_tree', 'list_runs', 'wait_for_run', 'repair_run', 'prune_runs',
  'flow_shape', 'compare_flow_shape', 'ensure_flow_compiled', 'delete_flow'
]);

select is_empty(
  $$ select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'pgflow' and p.provolatile <> 'v'
       and p.proname not in ('verify_run', 'progress', 'stats', 'run_tree', 'list_runs', 'flow_shape', 'compare_flow_shape') $$,
  'every function of the API that writes or waits is volatile (read_results waits for the answers in flight)');
select is(
  array(select p.provolatile::text from pg_proc p
        where p.oid in ('pgflow.verify_run'::regproc, 'pgflow.progress'::regproc, 'pgflow.stats'::regproc,
                        'pgflow.flow_shape'::regproc,
                        'pgflow.compare_flow_shape'::regproc, 'pgflow.run_tree'::regproc, 'pgflow.list_runs'::regproc)),
  array['s', 's', 's', 's', 's', 's', 's'],
  'verify_run, progress, stats, run_tree, list_runs, flow_shape and compare_flow_shape only read, so they are stable');
select is_empty(
  $$ select n.nspname, p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     join pg_depend d on d.objid = p.oid and d.deptype = 'e'
     join pg_extension e on e.oid = d.refobjid and e.extname = 'pgflow'
     where n.nspname <> 'pgflow' or p.proname not in (select unnest(array[
       'create_flow', 'add_step', 'start_flow', 'start_ready_steps', 'spawn_fanout_tasks',
       'poll_for_tasks', 'complete_task', 'fail_task', 'complete_tasks', 'fail_tasks', 'complete_tasks_and_poll',
       'cancel_run', 'verify_run', 'redrive_run', 'enforce_deadlines', 'extend_lease',
       'progress', 'stats', 'read_results', 'run_tree', 'list_runs', 'wait_for_run', 'repair_run', 'prune_runs',
       'flow_shape', 'compare_flow_shape', 'ensure_flow_compiled', 'delete_flow'])) $$,
  'the extension has no function outside its API: no internal helper in any schema');

select is_empty(
  $$ select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'pgflow'
       and not exists (select from unnest(p.proconfig) c where c like 'search_path=%') $$,
  'every function pins its search_path');
-- Some plans' estimates grow with the queue: past jit_above_cost each call would compile its
-- expressions with LLVM again (about 300 ms per step that ended, at 100,000 tasks).
select is_empty(
  $$ select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'pgflow'
       and not exists (select from unnest(p.proconfig) c where c = 'jit=off') $$,
  'every function runs without JIT');

-- The task functions and enforce_deadlines are the only way pgflow_worker touches the queue, and
-- flow_shape and compare_flow_shape the only way it reads a definition (see src/api/tasks.rs,
-- src/api/runs.rs and src/api/definition.rs).
select is(
  array(select p.proname::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'pgflow' and p.prosecdef order by 1),
  array['compare_flow_shape', 'complete_task', 'complete_tasks', 'complete_tasks_and_poll', 'enforce_deadlines', 'extend_lease',
        'fail_task', 'fail_tasks', 'flow_shape', 'poll_for_tasks'],
  'only the task functions, enforce_deadlines, flow_shape and compare_flow_shape are security definer');

select * from finish();
rollback;
