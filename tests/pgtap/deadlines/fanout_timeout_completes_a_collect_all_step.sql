begin;
select plan(5);

select pgflow_tests.flow_items('collect_all', fanout_timeout => 30);
select run_id as run from pgflow.start_flow('items', '[0, 1, 2, 3]') \gset
select count(*) from pgflow.poll_for_tasks('items', 30, 3, 0);     -- 0, 1, 2 running; 3 queued
select pgflow.complete_task(:'run', 'items', 0, '0');
select pgflow.fail_task(:'run', 'items', 1, 'broken');
update pgflow.step_states set started_at = now() - interval '31 seconds' where run_id = :'run' and step_slug = 'items';

-- No enforce_deadlines call: a poll of the flow enforces its deadlines, then claims.
select is((select step_slug from pgflow.poll_for_tasks('items', 30, 10, 0)), 'total',
  'a poll enforces the flow''s deadlines: the step completed, and its dependent is claimed');
select is((pgflow_tests.step(:'run', 'items')).output,
  '[{"ok": true, "value": 0},
    {"ok": false, "error": "broken", "attempts": 1},
    {"ok": false, "error": "timed out", "attempts": 1},
    {"ok": false, "error": "timed out", "attempts": 0}]'::jsonb,
  'under collect_all the unfinished items become "timed out" envelopes and the step completes');
select is((pgflow_tests.run(:'run')).status, 'started', 'the run goes on');
select is_empty(format($$ select * from pgflow.complete_task(%L, 'items', 2, '20') $$, :'run'),
  'a late answer for a timed-out item changes nothing');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'run'), 'the run is consistent');

select * from finish();
rollback;
