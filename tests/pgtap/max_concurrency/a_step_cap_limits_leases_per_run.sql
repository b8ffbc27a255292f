begin;
select plan(14);

-- calls: a fan-out of which at most 3 tasks of one run may be queued or leased at a time.
select pgflow.create_flow('api', max_attempts => 2, base_delay => 60);
select pgflow.add_step('api', 'calls', step_type => 'fanout', max_concurrency => 3);
select pgflow.add_step('api', 'total', array['calls']);
select run_id as run from pgflow.start_flow('api', (select jsonb_agg(i) from generate_series(0, 9) i)) \gset

-- Leased tasks of the run, at most 3 at any time.
create function pg_temp.leased(run uuid) returns int language sql as $$
  select count(*)::int from pgflow.step_tasks where run_id = run and step_slug = 'calls' and status = 'started'
$$;
-- Answers task i of the run with i * 10.
create function pg_temp.answer(run uuid, i int) returns void language sql as $$
  select count(*) from pgflow.complete_task(run, 'calls', i, to_jsonb(i * 10))
$$;

select results_eq($$ select task_index from pgflow_tests.poll('api', 10) order by 1 $$, $$ values (0), (1), (2) $$,
  'a claim takes no more than the cap of one run''s tasks');
select is((select count(*)::int from pgflow_tests.poll('api', 10)), 0, 'and nothing more while they are leased');
select is((select count(*)::int from pgflow.step_tasks where run_id = :'run' and visible_at = 'infinity'), 7,
  'the others wait for a slot');

select run_id as other from pgflow.start_flow('api', '[100, 101, 102, 103]') \gset
select is((select count(*)::int from pgflow_tests.poll('api', 10) where run_id = :'other'), 3,
  'the cap is per run: another run gets its own slots');

select pg_temp.answer(:'run', 0);
select results_eq($$ select task_index from pgflow_tests.poll('api', 10) $$, $$ values (3) $$,
  'a completed task leaves its slot to the next waiting one, in item order');
select count(*) from pgflow.complete_tasks(array[:'run', :'run']::uuid[], array['calls', 'calls'], array[1, 2], array['10', '20']::jsonb[]);
select results_eq($$ select task_index from pgflow_tests.poll('api', 10) order by 1 $$, $$ values (4), (5) $$,
  'a batch of answers releases one slot per task');

-- A retry keeps its slot: nothing is released, and the task comes back after its backoff.
select pgflow.fail_task(:'run', 'calls', 3, 'rate limited');
select is((select count(*)::int from pgflow_tests.poll('api', 10)), 0, 'a task waiting to be retried keeps its slot');
select is(pg_temp.leased(:'run') + (select count(*)::int from pgflow.step_tasks
    where run_id = :'run' and step_slug = 'calls' and status = 'queued' and visible_at <> 'infinity'), 3,
  'so leased and retrying tasks together stay at the cap');

-- Work the run to its end, three at a time.
update pgflow.step_tasks set visible_at = now() where run_id = :'run' and task_index = 3;
select pg_temp.answer(:'run', 4), pg_temp.answer(:'run', 5);
create temp table peak as select pg_temp.leased(:'run') as leased;
create temp table main_run as select :'run'::uuid as run_id;
do $$
declare task record;
begin
  for i in 1..10 loop
    for task in select * from pgflow_tests.poll('api', 10) where run_id = (select run_id from main_run) loop
      insert into peak values (pg_temp.leased(task.run_id));
      perform pg_temp.answer(task.run_id, task.task_index);
    end loop;
  end loop;
end $$;
select is((select max(leased) from peak), 3, 'the run never has more than 3 tasks leased');
select is((pgflow_tests.step(:'run', 'calls')).output, (select jsonb_agg(i * 10 order by i) from generate_series(0, 9) i),
  'and its output is still every item''s, in order');

-- A task that runs out of attempts under collect_all also releases its slot.
select pgflow.create_flow('lossy', max_attempts => 1);
select pgflow.add_step('lossy', 'calls', step_type => 'fanout', fanout_policy => 'collect_all', max_concurrency => 1);
select run_id as lossy from pgflow.start_flow('lossy', '[1, 2]') \gset
select pgflow.fail_task(t.run_id, t.step_slug, t.task_index, 'gone') from pgflow_tests.poll('lossy', 10) t;
select results_eq($$ select task_index from pgflow_tests.poll('lossy', 10) $$, $$ values (1) $$,
  'a task that runs out of attempts leaves its slot to the next');

-- Redrive requeues failed tasks within the cap.
select pgflow.create_flow('strict', max_attempts => 1);
select pgflow.add_step('strict', 'calls', step_type => 'fanout', max_concurrency => 2);
select run_id as strict from pgflow.start_flow('strict', '[1, 2, 3, 4, 5]') \gset
select pgflow.fail_task(t.run_id, t.step_slug, t.task_index, 'down') from pgflow_tests.poll('strict', 1) t;
select is((pgflow_tests.run(:'strict')).status, 'failed', 'a fail_fast fan-out fails its run');
select pgflow.redrive_run(:'strict');
select is((select count(*)::int from pgflow_tests.poll('strict', 10)), 2, 'a redriven run claims no more than the cap');

select throws_ok($$ select pgflow.add_step('api', 'one', max_concurrency => 2) $$, '22023',
  'step ''one'' of flow ''api'': max_concurrency needs a fan-out step; a single step has one task',
  'a cap needs a fan-out');

select * from finish();
rollback;
