begin;
select plan(14);

select tables_are('pgflow', array['flows', 'steps', 'deps', 'runs', 'step_states', 'step_parts', 'step_tasks']);
select col_is_pk('pgflow', 'step_tasks', array['run_id', 'step_slug', 'task_index'], 'a task is keyed by run, step and index');
select has_type('pgflow', 'step_task_record', 'the claim record type exists');
select has_index('pgflow', 'step_tasks', 'step_tasks_queued_idx', 'the queue index exists');
select has_index('pgflow', 'step_tasks', 'step_tasks_leased_idx', 'the lease index exists');
select col_default_is('pgflow', 'steps', 'step_type', 'single', 'steps are single unless said otherwise');
select col_is_null('pgflow', 'step_states', 'initial_tasks', 'initial_tasks may be NULL while a fan-out size is unknown');

select pgflow_tests.flow_fanout();
select throws_ok(
  $$ insert into pgflow.steps (flow_slug, step_slug, step_type, step_index) values ('fan', 'x', 'weird', 9) $$,
  '23514', null, 'steps_step_type_is_known refuses unknown step types');
select throws_like(
  $$ insert into pgflow.flows (flow_slug) values ('run') $$,
  '%slug_is_valid%', 'the slug domain refuses the reserved slug run');
select throws_like(
  $$ insert into pgflow.flows (flow_slug) values ('has-dash') $$,
  '%slug_is_valid%', 'the slug domain refuses characters outside [a-zA-Z0-9_]');
select throws_like(
  $$ update pgflow.flows set opt_max_attempts = -1 where flow_slug = 'fan' $$,
  '%flows_max_attempts_nonnegative%', 'constraints are named');
select throws_like(
  $$ insert into pgflow.step_tasks (run_id, step_slug, task_index, flow_slug, status)
     values (gen_random_uuid(), 's', 0, 'fan', 'sleeping') $$,
  '%step_tasks_status_is_known%', 'task statuses are checked');
select throws_like(
  $$ insert into pgflow.step_tasks (run_id, step_slug, task_index, flow_slug)
     values (gen_random_uuid(), 's', -1, 'fan') $$,
  '%step_tasks_task_index_nonnegative%', 'task indexes are not negative');

-- Several tasks per step are allowed: a fan-out has tasks 0..N-1.
select lives_ok(
  $$ insert into pgflow.step_tasks (run_id, step_slug, task_index, flow_slug)
     select '00000000-0000-0000-0000-000000000001', 'fetch', i, 'fan' from generate_series(0, 2) i $$,
  'a step may have many tasks');

select * from finish();
rollback;
