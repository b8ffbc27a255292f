begin;
select plan(5);

-- pgflow accepts max_attempts 0 and reads it as "no retry": the first failure is the last.
select lives_ok($$ select pgflow.create_flow('once', max_attempts => 0) $$, 'create_flow takes max_attempts 0');
select lives_ok($$ select pgflow.add_step('once', 'only', max_attempts => 0) $$, 'add_step too');
select run_id as run from pgflow.start_flow('once', '{}') \gset
select count(*) from pgflow_tests.poll('once');
select pgflow.fail_task(:'run', 'only', 0, 'boom');

select is((pgflow_tests.task(:'run', 'only')).status, 'failed', 'the first failure fails the task');
select is((pgflow_tests.run(:'run')).status, 'failed', 'and the run');
select is((select opt_max_attempts from pgflow.flows where flow_slug = 'once'), 0, 'the flow keeps 0 as given');

select * from finish();
rollback;
