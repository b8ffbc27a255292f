begin;
select plan(6);

select pgflow.create_flow('leaf');
select pgflow.add_step('leaf', 'work');
select pgflow.create_flow('middle');
select pgflow.add_step('middle', 'leaves', step_type => 'fanout', subflow => 'leaf');
select pgflow.create_flow('top', run_timeout => 60);
select pgflow.add_step('top', 'middles', step_type => 'fanout', subflow => 'middle');

-- A run past its run_timeout fails, and every run below it, at any depth, is cancelled.
select run_id as top from pgflow.start_flow('top', '[[1, 2], [3]]') \gset
select is((select count(*)::int from pgflow.runs where root_run_id = :'top' and status = 'started'), 6,
  'a top run, two middle runs and three leaf runs are running');
update pgflow.runs set started_at = now() - interval '2 minutes' where run_id = :'top';
select pgflow.enforce_deadlines();
select is((pgflow_tests.run(:'top')).status, 'failed', 'the top run times out');
select is((select array_agg(distinct status) from pgflow.runs where root_run_id = :'top' and run_id <> :'top'), array['cancelled'],
  'and every run below it is cancelled');
select is((select count(*)::int from pgflow.step_tasks t join pgflow.runs r on r.run_id = t.run_id
            where r.root_run_id = :'top' and t.status in ('queued', 'started')), 0, 'with every task of theirs');

-- A fan-out deadline cancels the child runs of the tasks it cancels; collect_all completes the step.
select pgflow.create_flow('patient');
select pgflow.add_step('patient', 'leaves', step_type => 'fanout', subflow => 'leaf', fanout_timeout => 30,
                       fanout_policy => 'collect_all');
select run_id as patient from pgflow.start_flow('patient', '[1, 2]') \gset
select count(*) from pgflow_tests.poll('leaf', 10);
select pgflow.complete_task(r.run_id, 'work', 0, '"done"') from pgflow.runs r
  where r.parent_run_id = :'patient' and r.parent_task_index = 0;
update pgflow.step_states set started_at = now() - interval '1 minute' where run_id = :'patient';
select pgflow.enforce_deadlines();
select is((pgflow_tests.step(:'patient', 'leaves')).output,
  '[{"ok": true, "value": {"work": "done"}}, {"ok": false, "error": "timed out", "attempts": 1}]'::jsonb,
  'a fan-out deadline ends the step with the children that finished');
select is((select status from pgflow.runs where parent_run_id = :'patient' and parent_task_index = 1), 'cancelled',
  'and cancels the child run of the item it timed out');

select * from finish();
rollback;
