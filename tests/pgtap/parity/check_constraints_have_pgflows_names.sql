begin;
select plan(6);

-- The check constraints pgflow's tools rely on, under pgflow's names.
select pgflow_tests.flow_fanout();
select run_id as run from pgflow.start_flow('fan', '{}') \gset

select throws_like($$ update pgflow.steps set required_input_pattern = '[1]' where step_slug = 'list' $$,
  '%required_input_pattern_is_object%', 'a required pattern is a JSON object');
select throws_like($$ update pgflow.steps set forbidden_input_pattern = '"x"' where step_slug = 'list' $$,
  '%forbidden_input_pattern_is_object%', 'a forbidden pattern too');
select throws_like(format($$ update pgflow.step_tasks set output = '1' where run_id = %L $$, :'run'),
  '%output_valid_only_for_completed%', 'only a finished task has an output');
select throws_like(format($$ update pgflow.step_states set output = '1' where run_id = %L $$, :'run'),
  '%output_only_for_completed_or_null%', 'only a completed step has one');
-- A fan-out starts one statement before it is spawned, so this one is checked at commit.
select is((select condeferrable and condeferred from pg_constraint where conname = 'initial_tasks_known_when_started'), true,
  'initial_tasks_known_when_started is checked at commit');
update pgflow.step_states set initial_tasks = null where run_id = :'run' and step_slug = 'list';
select throws_like($$ set constraints pgflow.initial_tasks_known_when_started immediate $$,
  '%started without initial_tasks%', 'a started step without initial_tasks is refused');

select * from finish();
rollback;
