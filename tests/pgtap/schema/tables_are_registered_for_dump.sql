begin;
select plan(1);

select set_eq(
  $$ select c.relname::text from pg_extension e, unnest(e.extconfig) as cfg(oid)
     join pg_class c on c.oid = cfg.oid where e.extname = 'pgflow' $$,
  array['flows', 'steps', 'deps', 'runs', 'step_states', 'step_parts', 'step_tasks', 'step_tasks_message_id_seq',
        'step_tasks_result_seq'],
  'pg_dump keeps the rows of every table and both task sequences');

select * from finish();
rollback;
