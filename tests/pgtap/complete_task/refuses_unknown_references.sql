begin;
select plan(5);

select pgflow_tests.flow_chain();
select run_id as run from pgflow.start_flow('chain', '{}') \gset

select throws_ok($$ select pgflow.complete_task('00000000-0000-0000-0000-000000000000', 'first', 0, '1') $$,
  'P0002', 'run 00000000-0000-0000-0000-000000000000 does not exist', 'unknown run');
select throws_ok(format($$ select pgflow.complete_task(%L, 'nope', 0, '1') $$, :'run'),
  'P0002', format('run %s has no step ''nope''', :'run'), 'unknown step');
select throws_ok(format($$ select pgflow.complete_task(%L, 'first', 5, '1') $$, :'run'),
  'P0002', format('run %s has no task 5 of step ''first''', :'run'), 'unknown task index');
select throws_ok(format($$ select pgflow.complete_task(%L, 'first', 0, null) $$, :'run'),
  '22004', 'pgflow.complete_task: output must not be null', 'SQL NULL output (JSON null is ''null''::jsonb)');
select is((pgflow_tests.task(:'run', 'first')).status, 'queued', 'nothing changed');

select * from finish();
rollback;
