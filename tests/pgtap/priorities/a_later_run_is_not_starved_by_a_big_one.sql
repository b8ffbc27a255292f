begin;
select plan(4);

-- A big fan-out is being worked through when a small run of the same flow and priority starts.
select pgflow_tests.flow_root_fanout();
select run_id as big from pgflow.start_flow('root', (select jsonb_agg(i) from generate_series(1, 20000) i)) \gset
-- A round of 16 claims of 100 has taken the first 100 items of each of its 16 shards.
select count(*) from generate_series(1, 16) n cross join lateral pgflow_tests.poll('root', 100 + 0 * n);
-- It was spawned a minute ago (this test runs in one transaction, where now() stands still).
update pgflow.step_tasks set visible_at = now() - interval '1 minute' where run_id = :'big' and status = 'queued';
select run_id as small from pgflow.start_flow('root', (select jsonb_agg(i) from generate_series(1, 150) i)) \gset

-- Claims of 100, as a worker makes them. Each starts one shard further (see claim_tasks.sql):
-- the small run's items (64 per shard: shards 0, 1 and 2) are all claimed within one round
-- of 16 claims, not after the big one's 19,800 queued tasks, and each claim that reaches one of
-- those shards takes the small run's items there first.
create temp table claims as
select n as claim, c.run_id, c.task_index
from generate_series(1, 16) n cross join lateral pgflow_tests.poll('root', 100 + 0 * n) c;
select is((select count(*)::int from claims where run_id = :'small'), 150,
  'every task of the later run is claimed within the next 16 claims');
select is((select count(*)::int from pgflow.step_tasks where run_id = :'big' and status = 'queued') > 10000, true,
  'while most of the big run''s tasks still wait');
select is((select array_agg(n order by n desc) from (select claim, count(*)::int as n from claims
                                                       where run_id = :'small' group by 1) c),
          array[64, 64, 22],
  'each of the three claims that reached its shards took all its items there, which come before the big run''s later items');

-- Fair both ways: two runs that start together share claims item by item (a run of up to 64
-- items is all in shard 0, where claims keep the queue's order).
select pgflow.cancel_run(:'big');
select run_id as one from pgflow.start_flow('root', (select jsonb_agg(i) from generate_series(1, 50) i)) \gset
select run_id as two from pgflow.start_flow('root', (select jsonb_agg(i) from generate_series(1, 50) i)) \gset
select results_eq(
  format($$ select run_id, count(*)::int from pgflow_tests.poll('root', 20) where run_id in (%L, %L) group by 1 order by 1 $$, :'one', :'two'),
  format($$ values (least(%L::uuid, %L::uuid), 10), (greatest(%L::uuid, %L::uuid), 10) $$, :'one', :'two', :'one', :'two'),
  'two runs started together get their items claimed in turn');

select * from finish();
rollback;
