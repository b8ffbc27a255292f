begin;
select plan(7);

select pgflow_tests.flow_fanout(), pgflow_tests.flow_chain();
select run_id as run from pgflow.start_flow('fan', '{}') \gset
select run_id as other from pgflow.start_flow('chain', '{}') \gset

select throws_ok($$ select pgflow.delete_flow('fan') $$, '55000',
  'flow ''fan'' has 1 unfinished run(s); cancel them or let them finish before deleting it',
  'a flow with an unfinished run is not deleted');
select is((select count(*)::int from pgflow.step_tasks where flow_slug = 'fan'), 1, 'and its tasks are kept');

select pgflow.cancel_run(:'run');
select lives_ok($$ select pgflow.delete_flow('fan') $$, 'a flow whose runs are finished is deleted');
select is(
  (select array[(select count(*) from pgflow.flows where flow_slug = 'fan'), (select count(*) from pgflow.steps where flow_slug = 'fan'),
                (select count(*) from pgflow.deps where flow_slug = 'fan'), (select count(*) from pgflow.runs where flow_slug = 'fan'),
                (select count(*) from pgflow.step_states where flow_slug = 'fan'), (select count(*) from pgflow.step_tasks where flow_slug = 'fan')]::int[]),
  array[0, 0, 0, 0, 0, 0], 'with its steps, dependencies, runs, step states and tasks');
select is((pgflow_tests.run(:'other')).status, 'started', 'another flow''s run is untouched');
select throws_ok($$ select pgflow.delete_flow('fan') $$, '42704', 'flow ''fan'' does not exist', 'deleting it again names the unknown flow');
select lives_ok($$ select pgflow_tests.flow_fanout() $$, 'and the slug can be defined anew');

select * from finish();
rollback;
