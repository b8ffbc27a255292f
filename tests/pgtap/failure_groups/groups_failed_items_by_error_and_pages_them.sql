begin;
select plan(9);

-- Ten items under collect_all, one attempt each: items 1, 3, 5 and 7 fail one way, 2 and 8 another.
select pgflow_tests.flow_items('collect_all');
select run_id as run from pgflow.start_flow('items', '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]') \gset
do $$
declare t pgflow.step_task_record;
begin
  for t in select * from pgflow_tests.poll('items', 100) loop
    if t.task_index in (1, 3, 5, 7) then perform pgflow.fail_task(t.run_id, t.step_slug, t.task_index, 'upstream said 503');
    elsif t.task_index in (2, 8) then perform pgflow.fail_task(t.run_id, t.step_slug, t.task_index, 'bad item');
    else perform pgflow.complete_task(t.run_id, t.step_slug, t.task_index, '1');
    end if;
  end loop;
end $$;

select results_eq(format($$ select error_message, items, first_task_index from pgflow.failure_groups(%L, 'items') $$, :'run'),
  $$ values ('upstream said 503', 4::bigint, 1), ('bad item', 2::bigint, 2) $$,
  'failures grouped by error, the biggest group first, with how many and the first item');
select ok((select bool_and(last_failed_at is not null) from pgflow.failure_groups(:'run', 'items')), 'and when the last of each failed');
select results_eq(format($$ select error_message from pgflow.failure_groups(%L, 'items', max_groups => 1) $$, :'run'),
  $$ values ('upstream said 503') $$, 'at most max_groups groups');
select is_empty(format($$ select * from pgflow.failure_groups(%L, 'total') $$, :'run'), 'a step without failures has no groups');

select results_eq(format($$ select task_index, error_message, attempts_count from pgflow.failed_items(%L, 'items', max_rows => 3) $$, :'run'),
  $$ values (1, 'upstream said 503', 1), (2, 'bad item', 1), (3, 'upstream said 503', 1) $$,
  'failed_items: the failed items in task order, a page at a time');
select results_eq(format($$ select task_index from pgflow.failed_items(%L, 'items', after_task_index => 3, max_rows => 3) $$, :'run'),
  $$ values (5), (7), (8) $$, 'the next page after the last item of the page before');
select results_eq(format($$ select task_index from pgflow.failed_items(%L, 'items', 'upstream said 503', after_task_index => 3) $$, :'run'),
  $$ values (5), (7) $$, 'the items behind one group');

select throws_ok(format($$ select * from pgflow.failure_groups(%L, 'nowhere') $$, :'run'), 'P0002', null, 'an unknown step is refused');
select throws_ok(format($$ select * from pgflow.failed_items(%L, 'items', max_rows => 0) $$, :'run'), '22023', null, 'and max_rows below 1');

select * from finish();
rollback;
