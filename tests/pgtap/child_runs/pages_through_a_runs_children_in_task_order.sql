begin;
select plan(11);

-- One attempt per item, and a failed item does not stop the others.
select pgflow_tests.flow_subflow();
-- Seven children (tasks 0 to 6); the ones of tasks 1 and 4 fail, the one of task 2 completes.
select run_id as parent from pgflow.start_flow('parent', '[0, 1, 2, 3, 4, 5, 6]') \gset
select count(*) from pgflow_tests.poll('child', 100);
create temp table child as
  select parent_task_index as task, run_id from pgflow.runs where parent_run_id = :'parent';
select pgflow.fail_task(run_id, 'work', 0, 'broken') from child where task in (1, 4);
select pgflow.complete_task(run_id, 'work', 0, '"done"') from child where task = 2;

select results_eq(format($$ select parent_task_index, status, flow_slug, total_tasks, completed_tasks
                     from pgflow.child_runs(%L, max_rows => 3) $$, :'parent'),
  $$ values (0, 'started', 'child', 1::bigint, 0::bigint), (1, 'failed', 'child', 1, 0), (2, 'completed', 'child', 1, 1) $$,
  'the first page: the first children in task order, each with its flow, status and counts');
select results_eq(format($$ select parent_task_index from pgflow.child_runs(%L, after_run_id => %L, max_rows => 3) $$,
    :'parent', (select run_id from child where task = 2)),
  $$ values (3), (4), (5) $$, 'the next page starts after the last child of the page before');
select results_eq(format($$ select parent_task_index from pgflow.child_runs(%L, after_run_id => %L, max_rows => 3) $$,
    :'parent', (select run_id from child where task = 5)),
  $$ values (6) $$, 'the last page holds what is left');
select results_eq(format($$ select parent_task_index, error_message, finished_at is not null
                     from pgflow.child_runs(%L, status => 'failed') $$, :'parent'),
  $$ values (1, 'step ''work'' failed: task 0 failed: broken', true), (4, 'step ''work'' failed: task 0 failed: broken', true) $$,
  'of one status, with why each failed and when it ended');
select results_eq(format($$ select parent_task_index from pgflow.child_runs(%L, status => 'failed', after_run_id => %L) $$,
    :'parent', (select run_id from child where task = 1)),
  $$ values (4) $$, 'a page of one status goes on after its cursor');
select is((select count(*)::int from pgflow.child_runs((select run_id from child where task = 0))), 0,
  'a run without sub-flows has no children');

select results_eq(format($$ select status, runs from pgflow.child_run_counts(%L) order by status $$, :'parent'),
  $$ values ('completed', 1::bigint), ('failed', 2), ('started', 4) $$, 'child_run_counts: how many children are in each status');

select throws_ok(format($$ select * from pgflow.child_runs(%L, after_run_id => %L) $$, :'parent', :'parent'), '22023',
  format('pgflow.child_runs of run %s: after_run_id %s is not a child run of it', :'parent', :'parent'),
  'a cursor that is not one of the run''s children is refused');
select throws_ok(format($$ select * from pgflow.child_runs(%L, status => 'done') $$, :'parent'), '22023', null, 'an unknown status is refused');
select throws_ok(format($$ select * from pgflow.child_runs(%L, max_rows => 0) $$, :'parent'), '22023', null, 'and max_rows below 1');
select throws_ok($$ select * from pgflow.child_run_counts('00000000-0000-4000-8000-000000000009') $$, 'P0002', null,
  'an unknown run is refused');

select * from finish();
rollback;
