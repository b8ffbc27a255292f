begin;
select plan(8);

-- fan: list -> fetch (fan-out) -> save. The run is inside its fan-out: one task completed, two
-- still to go.
select pgflow_tests.flow_fanout();
select run_id as run from pgflow.start_flow('fan', '{}') \gset
select pgflow.complete_task(run_id, step_slug, task_index, '[1, 2, 3]') from pgflow.poll_for_tasks('fan', 30, 1, 0);
select pgflow.complete_task(run_id, step_slug, task_index, '10') from pgflow.poll_for_tasks('fan', 30, 1, 0);
select is_empty(format($$ select * from pgflow.repair_run(%L) $$, :'run'), 'a consistent run: nothing to repair');

-- Corrupted by hand, as a bug or an operator could.
update pgflow.step_states set completed_tasks = 7, remaining_tasks = 9 where run_id = :'run' and step_slug = 'fetch';
update pgflow.step_states set remaining_deps = 0 where run_id = :'run' and step_slug = 'save';
update pgflow.runs set remaining_steps = 1 where run_id = :'run';
select is((select count(*)::int from pgflow.verify_run(:'run')), 4, 'verify_run reports the four broken counters');

select results_eq(format($$ select subject, what, was, now from pgflow.repair_run(%L) $$, :'run'),
  $$ values ('run', 'remaining_steps', '1', '2'),
            ('step fetch', 'completed_tasks', '7', '1'),
            ('step fetch', 'remaining_tasks', '9', '2'),
            ('step save', 'remaining_deps', '0', '1') $$,
  'repair_run sets each to what the tasks say and returns what it changed');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'run'), 'after which verify_run reports nothing');
select is_empty(format($$ select * from pgflow.repair_run(%L) $$, :'run'), 'and a second repair changes nothing');

-- A step stuck because its counter says a task is left when none is: repairing it moves the run on.
select pgflow.complete_task(run_id, step_slug, task_index, '20') from pgflow.poll_for_tasks('fan', 30, 1, 0);
update pgflow.step_tasks set status = 'completed', output = '30', completed_at = now()
 where run_id = :'run' and step_slug = 'fetch' and task_index = 2;
select results_eq(format($$ select subject, what, was, now from pgflow.repair_run(%L) $$, :'run'),
  $$ values ('step fetch', 'completed_tasks', '2', '3'),
            ('step fetch', 'remaining_tasks', '1', '0'),
            ('step fetch', 'status', 'started', 'completed'),
            ('step save', 'status', 'created', 'started') $$,
  'a step left with no task is completed and its dependent started');
select is((select input -> 'fetch' from pgflow.poll_for_tasks('fan', 30, 1, 0)), '[10, 20, 30]'::jsonb,
  'the dependent gets the repaired step''s output');
select throws_ok($$ select * from pgflow.repair_run('00000000-0000-0000-0000-00000000beef') $$, 'P0002',
  'run 00000000-0000-0000-0000-00000000beef does not exist', 'an unknown run is refused');

select * from finish();
rollback;
