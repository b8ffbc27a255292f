begin;
select plan(3);

select pgflow.create_flow('leases', timeout => 45);
select pgflow.add_step('leases', 'quick', timeout => 5);
select pgflow.add_step('leases', 'default');
select pgflow.start_flow('leases', '{}');
select count(*) from pgflow.poll_for_tasks('leases', null, 10, 0);

select ok((select visible_at from pgflow.step_tasks where step_slug = 'quick')
            between clock_timestamp() + interval '4 seconds' and clock_timestamp() + interval '5 seconds',
  'a task of a step with a timeout is leased for it');
select ok((select visible_at from pgflow.step_tasks where step_slug = 'default')
            between clock_timestamp() + interval '44 seconds' and clock_timestamp() + interval '45 seconds',
  'a task of a step without one is leased for the flow''s');

select pgflow.start_flow('leases', '{}');
select count(*) from pgflow.poll_for_tasks('leases', 100, 10, 0);
select is((select count(*)::int from pgflow.step_tasks
            where visible_at > clock_timestamp() + interval '99 seconds'), 2, 'a vt given overrides both');

select * from finish();
rollback;
