begin;
select plan(2);

select pgflow_tests.flow_chain();
select clock_timestamp() as before \gset
select is_empty($$ select * from pgflow.poll_for_tasks('chain', 30, 1, 1, 50) $$, 'nothing to claim');
select ok(clock_timestamp() - :'before'::timestamptz >= interval '1 second',
  'an empty poll keeps checking until max_poll_seconds has passed');

select * from finish();
rollback;
