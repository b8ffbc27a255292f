begin isolation level repeatable read;
select plan(1);

-- read_results waits for the run's answers in flight, then reads up to the last result number
-- handed out. Under REPEATABLE READ it would read the transaction's first snapshot, older than
-- that wait: an answer committed in between would be below the horizon yet unseen, and a cursor
-- moved past it would skip it. So it is refused.
select pgflow_tests.flow_fanout();
select run_id as open from pgflow.start_flow('fan', '{}') \gset
select throws_ok(format($$ select * from pgflow.read_results(%L, 'fetch') $$, :'open'), '55000',
  format('read_results of step ''fetch'' of run %s needs READ COMMITTED: a REPEATABLE READ or SERIALIZABLE transaction reads an older snapshot than the horizon it waits for, and its cursor could skip results committed in between', :'open'),
  'read_results is refused under REPEATABLE READ');

select * from finish();
rollback;
