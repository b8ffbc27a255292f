begin;
select plan(4);

select pgflow_tests.flow_chain();
select run_id as run from pgflow.start_flow('chain', '{}') \gset
select pgflow.complete_task(:'run', t.step_slug, t.task_index, '1') from pgflow_tests.poll('chain') t;
select pgflow.complete_task(:'run', t.step_slug, t.task_index, '2') from pgflow_tests.poll('chain') t;
select pgflow.complete_task(:'run', t.step_slug, t.task_index, '3') from pgflow_tests.poll('chain') t;

select throws_ok(format($$ select pgflow.cancel_run(%L) $$, :'run'), '55000',
  format('run %s is completed and cannot be cancelled', :'run'), 'a completed run cannot be cancelled');
select is((pgflow_tests.run(:'run')).status, 'completed', 'and stays completed');
select throws_ok($$ select pgflow.cancel_run('00000000-0000-0000-0000-000000000001') $$, 'P0002',
  'run 00000000-0000-0000-0000-000000000001 does not exist', 'an unknown run is refused');
select throws_ok($$ select pgflow.cancel_run(null) $$, '22004', null, 'a NULL run is refused');

select * from finish();
rollback;
