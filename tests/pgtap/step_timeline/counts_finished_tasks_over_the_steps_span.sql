begin;
select plan(6);

select pgflow_tests.flow_items('collect_all');
select run_id as run from pgflow.start_flow('items', '[0, 1, 2, 3, 4, 5]') \gset
select is_empty(format($$ select * from pgflow.step_timeline(%L, 'total') $$, :'run'), 'a step that has not started has no timeline');
select pgflow_tests.answer_items('items', failing => array[4]);
-- The step ran from t0 to t0 + 60 s; its tasks ended at 5, 5, 15, 50, 55 (failed) and 59 s.
update pgflow.step_states set started_at = '2026-01-01 00:00:00+00', completed_at = '2026-01-01 00:01:00+00'
 where run_id = :'run' and step_slug = 'items';
update pgflow.step_tasks t set completed_at = case when t.status = 'completed' then v.at end,
                               failed_at = case when t.status = 'failed' then v.at end
  from (values (0, timestamptz '2026-01-01 00:00:05+00'), (1, '2026-01-01 00:00:05+00'), (2, '2026-01-01 00:00:15+00'),
               (3, '2026-01-01 00:00:50+00'), (4, '2026-01-01 00:00:55+00'), (5, '2026-01-01 00:00:59+00')) v (task_index, at)
 where t.run_id = :'run' and t.step_slug = 'items' and t.task_index = v.task_index;

select results_eq(format($$ select bucket, completed, failed from pgflow.step_timeline(%L, 'items', 6) $$, :'run'),
  $$ values (1, 2::bigint, 0::bigint), (2, 1, 0), (3, 0, 0), (4, 0, 0), (5, 0, 0), (6, 2, 1) $$,
  'the step''s span in equal buckets, each with the tasks that completed and failed in it, empty ones too');
select results_eq(format($$ select bucket_start, bucket_end from pgflow.step_timeline(%L, 'items', 2) $$, :'run'),
  $$ values (timestamptz '2026-01-01 00:00:00+00', timestamptz '2026-01-01 00:00:30+00'),
            ('2026-01-01 00:00:30+00', '2026-01-01 00:01:00+00') $$, 'from the step''s start to its end');
select is((select count(*)::int from pgflow.step_timeline(:'run', 'items')), 60, 'sixty buckets by default');
select is((select array_agg(distinct every_nth) from pgflow.step_timeline(:'run', 'items')), array[1], 'a step this small is counted task by task');
select throws_ok(format($$ select * from pgflow.step_timeline(%L, 'items', 1001) $$, :'run'), '22023', null, 'at most 1000 buckets');

select * from finish();
rollback;
