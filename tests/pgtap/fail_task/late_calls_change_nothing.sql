begin;
select plan(4);

select pgflow_tests.flow_chain();
select run_id as run from pgflow.start_flow('chain', '{}') \gset

select is_empty(format($$ select * from pgflow.fail_task(%L, 'first', 0, 'never claimed') $$, :'run'),
  'failing a task that is not started returns nothing');
select row_eq(format('select status, attempts_count, error_message from pgflow.step_tasks where run_id = %L', :'run'),
  row('queued'::text, 0, null::text), 'and changes nothing');
select throws_ok(format($$ select pgflow.fail_task(%L, 'first', 1, 'x') $$, :'run'),
  'P0002', format('run %s has no task 1 of step ''first''', :'run'), 'unknown task index');
select throws_ok(format($$ select pgflow.fail_task(%L, 'first', 0, null) $$, :'run'),
  '22004', 'pgflow.fail_task: error_message must not be null', 'null error message');

select * from finish();
rollback;
