begin;
select plan(4);

select pgflow_tests.flow_fanout();
select run_id as running from pgflow.start_flow('fan', '{}') \gset
select pgflow.start_flow('fan', '{}');

select throws_ok($$ select pgflow.delete_flow('fan') $$, '55000', null, 'delete_flow refuses while runs are unfinished');
select lives_ok($$ select pgflow.delete_flow_and_data('fan') $$, 'delete_flow_and_data does not');
select is((select count(*)::int from pgflow.runs) + (select count(*)::int from pgflow.step_states)
          + (select count(*)::int from pgflow.step_tasks) + (select count(*)::int from pgflow.steps)
          + (select count(*)::int from pgflow.flows), 0, 'the flow and everything of it are gone');
select throws_ok($$ select pgflow.delete_flow_and_data('fan') $$, '42704', null, 'an unknown flow is refused');

select * from finish();
rollback;
