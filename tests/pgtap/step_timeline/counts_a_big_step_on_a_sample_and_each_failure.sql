begin;
select plan(6);

-- A step of 25,000 tasks: past 10,000 the timeline counts every 3rd task and scales, and still
-- counts each failure while there are at most 10,000 of them.
select pgflow_tests.flow_items('collect_all');
select run_id as run from pgflow.start_flow('items', (select jsonb_agg(i) from generate_series(1, 25000) i)) \gset
-- The step ran from t0 to t0 + 60 s: tasks 0 to 9,999 completed at 5 s, the rest at 45 s, but
-- tasks 1, 2 and 4 failed at 10 s and task 20,001 (one the sample reads) at 50 s.
update pgflow.step_states set started_at = '2026-01-01 00:00:00+00', completed_at = '2026-01-01 00:01:00+00'
 where run_id = :'run' and step_slug = 'items';
update pgflow.step_tasks t
   set status = case when t.task_index in (1, 2, 4, 20001) then 'failed' else 'completed' end,
       completed_at = case when t.task_index in (1, 2, 4, 20001) then null
                           when t.task_index < 10000 then timestamptz '2026-01-01 00:00:05+00'
                           else '2026-01-01 00:00:45+00' end,
       failed_at = case when t.task_index in (1, 2, 4) then timestamptz '2026-01-01 00:00:10+00'
                        when t.task_index = 20001 then '2026-01-01 00:00:50+00' end
 where t.run_id = :'run' and t.step_slug = 'items';

create temp table timeline as select * from pgflow.step_timeline(:'run', 'items', 2);
select is((select array_agg(distinct every_nth) from timeline), array[3], 'past 10,000 tasks, every 3rd of 25,000 is counted');
select ok((select abs(completed - 9997) <= 50 from timeline where bucket = 1),
          format('the completions are scaled to the step''s size: %s of 9,997 in the first half', (select completed from timeline where bucket = 1)));
select ok((select abs(completed - 14999) <= 75 from timeline where bucket = 2),
          format('and %s of 14,999 in the second', (select completed from timeline where bucket = 2)));
select results_eq($$ select bucket, failed from timeline order by bucket $$, $$ values (1, 3::bigint), (2, 1) $$,
  'each failure is counted, those the sample passes over too');

-- 15,000 failures: too many to count each, they are sampled as the completions are.
update pgflow.step_tasks t set status = 'failed', failed_at = '2026-01-01 00:00:50+00', completed_at = null
 where t.run_id = :'run' and t.step_slug = 'items' and t.task_index >= 10000;
select results_eq(format($$ select bucket, completed from pgflow.step_timeline(%L, 'items', 2) $$, :'run'),
  $$ values (1, 10001::bigint), (2, 0) $$, 'the completions of the first half, scaled (9,997 of them)');
select ok((select abs(failed - 15000) <= 75 from pgflow.step_timeline(:'run', 'items', 2) where bucket = 2),
          'past 10,000 failures, they are scaled from the sample too (15,000 of them)');

select * from finish();
rollback;
