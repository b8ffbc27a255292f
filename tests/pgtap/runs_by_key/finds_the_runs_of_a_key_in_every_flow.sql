begin;
select plan(3);

select pgflow_tests.flow_root_fanout();
select pgflow.create_flow('other');
select pgflow.add_step('other', 'one');
select run_id as a from pgflow.start_flow('root', '[1]', run_key => 'order-7') \gset
select run_id as b from pgflow.start_flow('other', '{}', run_key => 'order-7') \gset
select pgflow.start_flow('other', '{}', run_key => 'order-8');
update pgflow.runs set started_at = timestamptz '2026-01-01 00:00:00+00' where run_id = :'a';

select results_eq($$ select run_id, flow_slug, status from pgflow.runs_by_key('order-7') $$,
  format($$ values (%L::uuid, 'other', 'started'), (%L::uuid, 'root', 'started') $$, :'b', :'a'),
  'the runs started with the key, of every flow, newest first');
select is_empty($$ select * from pgflow.runs_by_key('order-9') $$, 'none for a key never used');
select is((select count(*)::int from pgflow.runs_by_key('order-7', max_rows => 1)), 1, 'at most max_rows');

select * from finish();
rollback;
