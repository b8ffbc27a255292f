begin;
select plan(6);

select pgflow_tests.flow_chain();
select run_id as open from pgflow.start_flow('chain', '{}') \gset
select is((pgflow.wait_for_run(:'open', 50)).status, 'started', 'a run still going is returned as it is when the timeout passes');
select is((pgflow.wait_for_run(:'open', 0)).status, 'started', 'a zero timeout only looks');
-- Asleep on its latch, it still answers interrupts: statement_timeout stops it. (A cancel is not
-- caught by WHEN OTHERS, so throws_ok cannot see it: this block names it.)
create function pg_temp.wait_until_cut(run uuid) returns text language plpgsql as $$
begin
  perform pgflow.wait_for_run(run, 600000);
  return 'not stopped';
exception when query_canceled then
  return sqlstate;
end;
$$;
set local statement_timeout = '200ms';
select is(pg_temp.wait_until_cut(:'open'), '57014', 'statement_timeout stops a wait long before its own timeout');
reset statement_timeout;
select status from pgflow.cancel_run(:'open');
select is((pgflow.wait_for_run(:'open', 600000)).status, 'cancelled', 'a finished run is returned at once');

select throws_ok(format($$ select pgflow.wait_for_run(%L, -1) $$, :'open'), '22023', null, 'a negative timeout is refused');
select throws_ok($$ select pgflow.wait_for_run('00000000-0000-0000-0000-00000000beef') $$, 'P0002',
  'run 00000000-0000-0000-0000-00000000beef does not exist', 'an unknown run is refused');
select * from finish();
rollback;
