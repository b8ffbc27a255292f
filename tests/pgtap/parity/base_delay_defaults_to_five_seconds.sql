begin;
select plan(4);

-- pgflow's default base_delay is 5 s, here too: in create_flow, in a shape without it and in the
-- table; the first retry waits base_delay.
select is((pgflow.create_flow('slow')).opt_base_delay, 5, 'create_flow without base_delay stores 5');
select is(pgflow.ensure_flow_compiled('bare', '{"steps": [{"slug": "only"}]}') ->> 'status', 'compiled', 'a shape without options');
select is((select opt_base_delay from pgflow.flows where flow_slug = 'bare'), 5, 'gets 5 as well');

select pgflow.add_step('slow', 'only');
select run_id as run from pgflow.start_flow('slow', '{}') \gset
select count(*) from pgflow_tests.poll('slow');
select pgflow.fail_task(:'run', 'only', 0, 'try again');
select ok((select visible_at - now() between interval '4 s' and interval '6 s' from pgflow.step_tasks where run_id = :'run'),
  'the first retry waits about 5 s');

select * from finish();
rollback;
