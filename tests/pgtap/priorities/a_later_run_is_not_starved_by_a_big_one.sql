begin;
select plan(3);

-- A big fan-out is being worked through when a small run of the same flow and priority starts.
select pgflow_tests.flow_root_fanout();
select run_id as big from pgflow.start_flow('root', (select jsonb_agg(i) from generate_series(1, 20000) i)) \gset
select count(*) from pgflow_tests.poll('root', 100);
select count(*) from pgflow_tests.poll('root', 100);
-- It was spawned a minute ago (this test runs in one transaction, where now() stands still).
update pgflow.step_tasks set visible_at = visible_at - interval '1 minute' where run_id = :'big' and status = 'queued';
select run_id as small from pgflow.start_flow('root', (select jsonb_agg(i) from generate_series(1, 150) i)) \gset

-- Claims of 100, as a worker makes them: the small run is done within two claims, not after
-- the big one's 19,800 queued tasks.
create temp table claims as select 1 as claim, run_id from pgflow_tests.poll('root', 100);
insert into claims select 2, run_id from pgflow_tests.poll('root', 100);
select is((select count(*)::int from claims where run_id = :'small'), 150,
  'every task of the later run is claimed within the next two claims');
select is((select count(*)::int from claims where claim = 1 and run_id = :'small'), 100,
  'the first claim after it started takes its tasks, which come before the big run''s later items');

-- Fair both ways: two runs that start together share claims item by item.
select run_id as one from pgflow.start_flow('root', (select jsonb_agg(i) from generate_series(1, 50) i)) \gset
select run_id as two from pgflow.start_flow('root', (select jsonb_agg(i) from generate_series(1, 50) i)) \gset
select results_eq(
  format($$ select run_id, count(*)::int from pgflow_tests.poll('root', 20) where run_id in (%L, %L) group by 1 order by 1 $$, :'one', :'two'),
  format($$ values (least(%L::uuid, %L::uuid), 10), (greatest(%L::uuid, %L::uuid), 10) $$, :'one', :'two', :'one', :'two'),
  'two runs started together get their items claimed in turn');

select * from finish();
rollback;
