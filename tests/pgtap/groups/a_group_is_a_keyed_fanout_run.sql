begin;
select plan(7);

-- docs/groups.md: a task group is a run of a flow whose root step fans out over the run input;
-- the group id is the run key.
select pgflow.create_flow('emails', max_attempts => 1);
select pgflow.add_step('emails', 'send', step_type => 'fanout', fanout_policy => 'collect_all');

select run_id as grp from pgflow.start_flow('emails', '["a@x", "b@x", "c@x"]', run_key => 'grp-123') \gset
select is((select run_id from pgflow.start_flow('emails', '["other"]', run_key => 'grp-123')), :'grp'::uuid,
  'submitting the group again returns the first submission');
select is((select total from pgflow.progress(:'grp')), 3, 'its size is the number of tasks submitted');

select pgflow.complete_task(run_id, step_slug, task_index, '"sent"') from pgflow.poll_for_tasks('emails', 30, 2, 0);
select is((select format('%s/%s', completed, total) from pgflow.progress(:'grp')), '2/3', 'progress is its completion count');

-- Its counts are rebuilt from task history when they are broken.
update pgflow.step_states set completed_tasks = 0, remaining_tasks = 3 where run_id = :'grp';
select is((select count(*)::int from pgflow.repair_run(:'grp')), 2, 'repair_run mends the two counts');
select is((select format('%s/%s', completed, total) from pgflow.progress(:'grp')), '2/3', 'and progress is right again');

select pgflow.fail_task(run_id, step_slug, task_index, 'mailbox full') from pgflow.poll_for_tasks('emails', 30, 1, 0);
select is((pgflow.wait_for_run(:'grp', 1000)).status, 'completed', 'wait_for_run returns the finished group');
select is((select output -> 'send' from pgflow.runs where run_id = :'grp'),
          '[{"ok": true, "value": "sent"}, {"ok": true, "value": "sent"}, {"ok": false, "error": "mailbox full", "attempts": 1}]'::jsonb,
          'with each task''s outcome');

select * from finish();
rollback;
