begin;
select plan(5);

-- Runs in every state: completed, started half-way, failed, cancelled, and an empty fan-out.
select pgflow_tests.flow_fanout(max_attempts => 1);
select pgflow_tests.flow_root_fanout();
select run_id as done from pgflow.start_flow('fan', '{}') \gset
select pgflow.complete_task(:'done', 'list', 0, '[1, 2, 3]') from pgflow_tests.poll('fan');
select pgflow_tests.drain_fanout('fan');
select pgflow.complete_task(:'done', 'save', 0, '"saved"');
select run_id as halfway from pgflow.start_flow('fan', '{}') \gset
select pgflow.complete_task(:'halfway', 'list', 0, '[1, 2, 3]') from pgflow_tests.poll('fan');
select pgflow.complete_task(:'halfway', 'fetch', 1, '"one"') from pgflow_tests.poll('fan', 2);
select run_id as failed from pgflow.start_flow('fan', '{}') \gset
select pgflow.fail_task(:'failed', 'list', 0, 'boom') from pgflow_tests.poll('fan');
select run_id as cancelled from pgflow.start_flow('fan', '{}') \gset
select pgflow.cancel_run(:'cancelled');
select run_id as empty from pgflow.start_flow('root', '[]') \gset

select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'done'), 'a completed run is consistent');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'halfway'), 'a run half-way is consistent');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'failed'), 'a failed run is consistent');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'cancelled'), 'a cancelled run is consistent');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'empty'), 'a run over an empty array is consistent');

select * from finish();
rollback;
