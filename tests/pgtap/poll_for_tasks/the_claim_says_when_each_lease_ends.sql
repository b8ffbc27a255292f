begin;
select plan(3);

-- A claim's record carries the end of its lease, so that no worker computes it again from its own
-- copy of the flow: the vt asked for, else the step's timeout.
select pgflow.create_flow('leases', timeout => 60);
select pgflow.add_step('leases', 'quick', timeout => 7);
select pgflow.add_step('leases', 'slow');
select pgflow.start_flow('leases', '{}');

create temp table claimed as select * from pgflow.poll_for_tasks('leases', null, 10, 0);
select results_eq(
  $$ select c.step_slug, c.lease_ends_at = t.visible_at
       from claimed c join pgflow.step_tasks t using (run_id, step_slug, task_index) order by 1 $$,
  $$ values ('quick'::text, true), ('slow'::text, true) $$,
  'each claimed task says when its lease ends, as the queue has it');
select results_eq(
  $$ select step_slug, round(extract(epoch from lease_ends_at - now()))::int from claimed order by 1 $$,
  $$ values ('quick'::text, 7), ('slow'::text, 60) $$,
  'without a vt, each step''s timeout (or the flow''s)');
select pgflow.start_flow('leases', '{}');
select is((select round(extract(epoch from min(lease_ends_at) - now()))::int from pgflow.poll_for_tasks('leases', 30, 10, 0)), 30,
  'with a vt, the vt');

select * from finish();
rollback;
