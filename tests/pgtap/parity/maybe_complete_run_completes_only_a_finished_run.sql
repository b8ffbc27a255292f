begin;
select plan(4);

select pgflow.create_flow('solo');
select pgflow.add_step('solo', 'only');
select run_id as run from pgflow.start_flow('solo', '{}') \gset

select lives_ok(format('select pgflow.maybe_complete_run(%L)', :'run'), 'a run with a step left');
select is((pgflow_tests.run(:'run')).status, 'started', 'is left as it is');

-- The engine completes a run itself when its last step ends; a run left with no step (as pgflow's
-- own functions may leave one before calling maybe_complete_run) is completed by it.
update pgflow.step_states set status = 'skipped', skip_reason = 'condition_unmet', skipped_at = now()
 where run_id = :'run';
update pgflow.step_tasks set status = 'cancelled' where run_id = :'run';
update pgflow.runs set remaining_steps = 0 where run_id = :'run';
select pgflow.maybe_complete_run(:'run');
select row_eq(format('select status, output from pgflow.runs where run_id = %L', :'run'),
  row('completed'::text, '{}'::jsonb), 'a started run with no step left completes');
select throws_ok(format('select pgflow.maybe_complete_run(%L)', gen_random_uuid()), 'P0002', null, 'an unknown run is refused');

select * from finish();
rollback;
