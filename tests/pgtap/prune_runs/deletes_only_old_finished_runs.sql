begin;
select plan(7);

truncate pgflow.step_tasks, pgflow.step_states, pgflow.runs cascade;
select pgflow_tests.flow_root_fanout();
select pgflow_tests.flow_chain();
-- Three finished runs of root (completed, failed, cancelled), one unfinished, and a finished run
-- of another flow; all but the newest finished a day ago.
select run_id as done from pgflow.start_flow('root', '[1, 2]') \gset
select pgflow_tests.drain_fanout('root');
select pgflow.complete_task(run_id, step_slug, task_index, '3') from pgflow.poll_for_tasks('root', 30, 1, 0);
select run_id as cancelled from pgflow.start_flow('root', '[1]') \gset
select status from pgflow.cancel_run(:'cancelled');
select run_id as open from pgflow.start_flow('root', '[1, 2]') \gset
select run_id as other from pgflow.start_flow('chain', '{}') \gset
select status from pgflow.cancel_run(:'other');
update pgflow.runs set completed_at = completed_at - interval '1 day', cancelled_at = cancelled_at - interval '1 day',
                       started_at = started_at - interval '1 day'
 where run_id in (:'done', :'cancelled', :'other');
select run_id as recent from pgflow.start_flow('root', '[1]') \gset
select status from pgflow.cancel_run(:'recent');

select is(pgflow.prune_runs('1 hour', 'root', 1), 1::bigint, 'at most max_runs runs per call');
select is(pgflow.prune_runs('1 hour', 'root'), 1::bigint, 'the next call takes the next one');
select is(pgflow.prune_runs('1 hour', 'root'), 0::bigint, 'then none is left that old');
select is(array(select run_id from pgflow.runs order by run_id),
          array(select unnest(array[:'open', :'other', :'recent']::uuid[]) order by 1),
          'the unfinished run, the recent one and the other flow''s are kept');
select is((select count(*)::int from pgflow.step_tasks where run_id in (:'done', :'cancelled'))
          + (select count(*)::int from pgflow.step_states where run_id in (:'done', :'cancelled')), 0,
          'the pruned runs'' step states and tasks are gone');
select is(pgflow.prune_runs('1 hour'), 1::bigint, 'without a flow, every flow''s old runs go');
select throws_ok($$ select pgflow.prune_runs('-1 hour') $$, '22023', null, 'a negative age is refused');

select * from finish();
rollback;
