begin;
select plan(4);

select functions_are('pgflow', array[
  'create_flow', 'add_step', 'start_flow', 'start_ready_steps', 'spawn_fanout_tasks',
  'poll_for_tasks', 'complete_task', 'fail_task'
]);

select is_empty(
  $$ select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'pgflow' and p.provolatile <> 'v' $$,
  'every function writes, so every function is volatile');

select is_empty(
  $$ select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'pgflow'
       and not exists (select from unnest(p.proconfig) c where c like 'search_path=%pgflow%') $$,
  'every function pins its search_path');

select is_empty(
  $$ select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'pgflow' and p.prosecdef $$,
  'no function is security definer');

select * from finish();
rollback;
