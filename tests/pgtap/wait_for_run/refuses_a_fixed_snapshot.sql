begin isolation level repeatable read;
select plan(1);

-- Under REPEATABLE READ every statement sees the transaction's first snapshot, so the run's end
-- could never be seen: the wait is refused rather than left to run into its timeout.
select pgflow_tests.flow_chain();
select run_id as open from pgflow.start_flow('chain', '{}') \gset
select throws_ok(format($$ select pgflow.wait_for_run(%L, 10) $$, :'open'), '55000',
  format('wait_for_run for run %s needs READ COMMITTED: in a REPEATABLE READ or SERIALIZABLE transaction it would never see the run end', :'open'),
  'wait_for_run is refused under REPEATABLE READ');

select * from finish();
rollback;
