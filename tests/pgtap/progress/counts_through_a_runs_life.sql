begin;
select plan(14);

-- A collect_all fan-out over six items, one attempt each, followed by a single step.
select pgflow_tests.flow_items('collect_all');
select run_id as run from pgflow.start_flow('items', '[1, 2, 3, 4, 5, 6]') \gset

create function pg_temp.counts(p_run uuid, p_step text)
returns text language sql as $$
  select format('%s %s total=%s queued=%s running=%s completed=%s failed=%s cancelled=%s',
                p.step_type, p.status, coalesce(p.total::text, 'NULL'), p.queued, p.running, p.completed,
                p.failed, p.cancelled)
  from pgflow.progress(p_run) p where p.step_slug = p_step
$$;

select is(pg_temp.counts(:'run', 'items'), 'fanout started total=6 queued=6 running=0 completed=0 failed=0 cancelled=0',
  'a spawned fan-out: every task queued');
select is(pg_temp.counts(:'run', 'total'), 'single created total=1 queued=0 running=0 completed=0 failed=0 cancelled=0',
  'a single step waiting for its dependency has one task to come and none queued');
select is(array(select step_slug from pgflow.progress(:'run')), array['items', 'total'], 'one row per step, in definition order');

select count(*) from pgflow.poll_for_tasks('items', 30, 3, 0);
select is(pg_temp.counts(:'run', 'items'), 'fanout started total=6 queued=3 running=3 completed=0 failed=0 cancelled=0',
  'claimed tasks are running');

select pgflow.complete_task(:'run', 'items', 0, '10');
select pgflow.fail_task(:'run', 'items', 1, 'broken');
select is(pg_temp.counts(:'run', 'items'), 'fanout started total=6 queued=3 running=1 completed=1 failed=1 cancelled=0',
  'a completion and a failure under collect_all are counted apart');
select ok((select tasks_per_second > 0 and eta is not null and finished_at is null
             from pgflow.progress(:'run') where step_slug = 'items'),
  'a started fan-out with finished tasks has a rate and an estimate of the time left');

select pgflow.complete_task(:'run', 'items', 2, '30');
select pgflow_tests.answer_items('items', array[4]);
select is(pg_temp.counts(:'run', 'items'), 'fanout completed total=6 queued=0 running=0 completed=4 failed=2 cancelled=0',
  'the finished fan-out: four completed, two failed');
select is((select eta from pgflow.progress(:'run') where step_slug = 'items'), interval '0',
  'a finished step has nothing left to wait for');
select ok((select finished_at >= started_at from pgflow.progress(:'run') where step_slug = 'items'),
  'and a finish time');
select is(pg_temp.counts(:'run', 'total'), 'single started total=1 queued=1 running=0 completed=0 failed=0 cancelled=0',
  'its dependent is queued');

-- A fail_fast fan-out whose first failure cancels the rest.
select pgflow.create_flow('ff', max_attempts => 1);
select pgflow.add_step('ff', 'list');
select pgflow.add_step('ff', 'each', array['list'], step_type => 'fanout');
select run_id as ff from pgflow.start_flow('ff', '{}') \gset
select is(pg_temp.counts(:'ff', 'each'), 'fanout created total=NULL queued=0 running=0 completed=0 failed=0 cancelled=0',
  'total is NULL while the size of a fan-out is unknown');
select pgflow.complete_task(run_id, step_slug, task_index, '[1, 2, 3, 4, 5]') from pgflow.poll_for_tasks('ff', 30, 1, 0);
select count(*) from pgflow.poll_for_tasks('ff', 30, 2, 0);
select pgflow.complete_task(:'ff', 'each', 0, '1');
select pgflow.fail_task(:'ff', 'each', 1, 'broken');
select is(pg_temp.counts(:'ff', 'each'), 'fanout failed total=5 queued=0 running=0 completed=1 failed=1 cancelled=3',
  'a fail_fast fan-out that failed: the tasks it cancelled are counted as cancelled');

select throws_ok($$ select * from pgflow.progress('00000000-0000-0000-0000-00000000beef') $$, 'P0002',
  'run 00000000-0000-0000-0000-00000000beef does not exist', 'an unknown run is refused');
select throws_ok($$ select * from pgflow.progress(null) $$, '22004', null, 'a NULL run is refused');

select * from finish();
rollback;
