begin;
select plan(5);

select functions_are('pgflow', array[
  'create_flow', 'add_step', 'start_flow', 'start_ready_steps', 'spawn_fanout_tasks',
  'poll_for_tasks', 'complete_task', 'fail_task', 'complete_tasks', 'fail_tasks',
  'task_batch_null_problem', 'task_batch_length_problem'
]);

select is_empty(
  $$ select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'pgflow' and p.provolatile <> 'v' and p.proname not like 'task_batch_%' $$,
  'every function of the API writes, so every one is volatile');
select is_empty(
  $$ select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'pgflow' and p.proname like 'task_batch_%' and p.provolatile <> 'i' $$,
  'the batch checks only look at their arguments, so they are immutable');

select is_empty(
  $$ select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'pgflow'
       and not exists (select from unnest(p.proconfig) c where c like 'search_path=%') $$,
  'every function pins its search_path');

select is_empty(
  $$ select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'pgflow' and p.prosecdef $$,
  'no function is security definer');

select * from finish();
rollback;
