begin;
select plan(3);

-- A sub-flow fan-out whose children fail the same way: each task's error names its child run.
select pgflow_tests.flow_subflow();
select run_id as parent from pgflow.start_flow('parent', '[0, 1, 2]') \gset
select pgflow_tests.answer_items('child', failing => array[0]);

select results_eq(format($$ select error_message, items from pgflow.failure_groups(%L, 'each') $$, :'parent'),
  $$ values ('sub-flow run … failed: step ''work'' failed: task 0 failed: item 0 is broken', 3::bigint) $$,
  'errors that differ only in the run they name are one kind, the ids put as …');
select is((select count(distinct error_message)::int from pgflow.step_tasks where run_id = :'parent' and step_slug = 'each'), 3,
  'each item keeps its own message');
select results_eq(format($$ select task_index from pgflow.failed_items(%L, 'each',
                           'sub-flow run … failed: step ''work'' failed: task 0 failed: item 0 is broken') $$, :'parent'),
  $$ values (0), (1), (2) $$, 'the kind names the items behind it');

select * from finish();
rollback;
