begin;
select plan(6);

select functions_are('pgflow', array[
  'create_flow', 'add_step', 'start_flow', 'start_ready_steps', 'spawn_fanout_tasks',
  'poll_for_tasks', 'complete_task', 'fail_task', 'complete_tasks', 'fail_tasks',
  'cancel_run', 'verify_run', 'redrive_run', 'enforce_deadlines', 'extend_lease',
  'progress', 'stats', 'read_results', 'wait_for_run', 'repair_run', 'prune_runs',
  'task_batch_null_problem', 'task_batch_length_problem', 'aggregated_output', 'notify_status'
]);

select is_empty(
  $$ select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'pgflow' and p.provolatile <> 'v'
       and p.proname not like 'task_batch_%'
       and p.proname not in ('verify_run', 'progress', 'stats', 'read_results', 'aggregated_output') $$,
  'every function of the API that writes is volatile');
select is(
  array(select p.provolatile::text from pg_proc p
        where p.oid in ('pgflow.verify_run'::regproc, 'pgflow.progress'::regproc, 'pgflow.stats'::regproc,
                        'pgflow.read_results'::regproc, 'pgflow.aggregated_output'::regproc)),
  array['s', 's', 's', 's', 's'],
  'verify_run, progress, stats, read_results and aggregated_output only read, so they are stable');
select is_empty(
  $$ select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'pgflow' and p.proname like 'task_batch_%' and p.provolatile <> 'i' $$,
  'the batch checks only look at their arguments, so they are immutable');

select is_empty(
  $$ select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'pgflow'
       and not exists (select from unnest(p.proconfig) c where c like 'search_path=%') $$,
  'every function pins its search_path');

-- The task functions and enforce_deadlines are the only way pgflow_worker touches the queue (see
-- src/api/tasks.rs and src/api/runs.rs).
select is(
  array(select p.proname::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'pgflow' and p.prosecdef order by 1),
  array['complete_task', 'complete_tasks', 'enforce_deadlines', 'extend_lease', 'fail_task', 'fail_tasks', 'poll_for_tasks'],
  'only the task functions and enforce_deadlines are security definer');

select * from finish();
rollback;
