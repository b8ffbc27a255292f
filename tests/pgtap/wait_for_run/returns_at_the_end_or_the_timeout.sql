begin;
select plan(5);

select pgflow_tests.flow_chain();
select run_id as open from pgflow.start_flow('chain', '{}') \gset
select is((pgflow.wait_for_run(:'open', 50)).status, 'started', 'a run still going is returned as it is when the timeout passes');
select is((pgflow.wait_for_run(:'open', 0)).status, 'started', 'a zero timeout only looks');
select status from pgflow.cancel_run(:'open');
select is((pgflow.wait_for_run(:'open', 600000)).status, 'cancelled', 'a finished run is returned at once');

select throws_ok(format($$ select pgflow.wait_for_run(%L, -1) $$, :'open'), '22023', null, 'a negative timeout is refused');
select throws_ok($$ select pgflow.wait_for_run('00000000-0000-0000-0000-00000000beef') $$, 'P0002',
  'run 00000000-0000-0000-0000-00000000beef does not exist', 'an unknown run is refused');
select * from finish();
rollback;
