begin;
select plan(13);

select pgflow_tests.flow_subflow(parent_attempts => 2, fanout_policy => 'fail_fast');

-- The child run that holds (or last held) a task of the run: its worker_id.
create function pg_temp.child(run uuid, task int) returns uuid language sql as $$
  select worker_id from pgflow.step_tasks where run_id = run and step_slug = 'each' and task_index = task
$$;
-- Claims every child task there is and answers the one of `child_run`: completes it with `output`,
-- or fails it with `error`.
create function pg_temp.answer(child_run uuid, output jsonb, error text default null) returns void language plpgsql as $$
begin
  perform count(*) from pgflow_tests.poll('child', 100);
  if error is null then
    perform pgflow.complete_task(child_run, 'work', 0, output);
  else
    perform pgflow.fail_task(child_run, 'work', 0, error);
  end if;
end $$;

-- A child run that fails is a failed attempt of its task; the next attempt is a new child.
select run_id as run from pgflow.start_flow('parent', '[1, 2]') \gset
select pg_temp.child(:'run', 0) as first_child \gset
select pg_temp.answer(:'first_child', null, 'boom');
select is((pgflow_tests.run(:'first_child')).status, 'failed', 'the child run fails');
select is((pgflow_tests.task(:'run', 'each', 0)).attempts_count, 2, 'its task is on its second attempt');
select isnt(pg_temp.child(:'run', 0), :'first_child'::uuid, 'held by a new child run');
select is((pgflow_tests.task(:'run', 'each', 0)).error_message,
  format('sub-flow run %s failed: step ''work'' failed: task 0 failed: boom', :'first_child'), 'the task records why the attempt failed');

-- The failed child, redriven by hand and finished, cannot answer for the new attempt.
select pgflow.redrive_run(:'first_child');
select pg_temp.answer(:'first_child', '"late"');
select is((pgflow_tests.run(:'first_child')).status, 'completed', 'an earlier attempt''s child may still finish');
select is((pgflow_tests.task(:'run', 'each', 0)).status, 'started', 'but cannot answer the task, which its newer child holds');

-- Out of attempts: the task fails, and the fail_fast fan-out fails the run.
select pg_temp.answer(pg_temp.child(:'run', 0), null, 'boom again');
select is((pgflow_tests.run(:'run')).status, 'failed', 'a child that fails on the last attempt fails its parent run');
select is((pgflow_tests.run(pg_temp.child(:'run', 1))).status, 'cancelled', 'and the parent''s other children are cancelled');
select is((select count(*)::int from pgflow.step_tasks t join pgflow.runs r on r.run_id = t.run_id
            where r.root_run_id = :'run' and t.status in ('queued', 'started')), 0, 'with all their tasks');

-- Redrive of the root resumes the failed and cancelled children where they stopped.
select pgflow.redrive_run(:'run');
select is((select count(*)::int from pgflow.runs where parent_run_id = :'run' and status = 'started'), 2,
  'redrive of the root resumes its failed and cancelled children');
select count(*) from (select pgflow.complete_task(t.run_id, t.step_slug, t.task_index, to_jsonb(t.run_id)) from pgflow_tests.poll('child', 10) t) c;
select is((pgflow_tests.run(:'run')).status, 'completed', 'which complete it');

-- Cancelling a run cancels its whole tree; a late answer in a cancelled child changes nothing.
select run_id as doomed from pgflow.start_flow('parent', '[1]') \gset
create temp table held as select * from pgflow_tests.poll('child', 10);
select pgflow.cancel_run(:'doomed');
select is((select array_agg(distinct status) from pgflow.runs where root_run_id = :'doomed'), array['cancelled'],
  'cancelling a run cancels every run below it');
select is((select count(*)::int from held h, pgflow.complete_task(h.run_id, h.step_slug, h.task_index, '1')), 0,
  'and a late answer in a cancelled child changes nothing');

select * from finish();
rollback;
