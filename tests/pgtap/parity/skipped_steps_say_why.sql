begin;
select plan(7);

-- step_states.skip_reason and skipped_at, with pgflow's names and words: condition_unmet,
-- handler_failed, dependency_skipped.
select pgflow.create_flow('why', max_attempts => 1);
select pgflow.add_step('why', 'gated', required_input_pattern => '{"go": true}');
select pgflow.add_step('why', 'flaky', when_exhausted => 'skip-cascade');
select pgflow.add_step('why', 'after_flaky', array['flaky']);
select pgflow.add_step('why', 'fine');
select run_id as run from pgflow.start_flow('why', '{"go": false}') \gset
select count(*) from pgflow_tests.poll('why');
select pgflow.fail_task(:'run', 'flaky', 0, 'boom');

select results_eq(
  format($$ select step_slug::text, status, skip_reason from pgflow.step_states where run_id = %L order by step_slug $$, :'run'),
  $$ values ('after_flaky', 'skipped', 'dependency_skipped'), ('fine', 'started', null),
            ('flaky', 'skipped', 'handler_failed'), ('gated', 'skipped', 'condition_unmet') $$,
  'each skipped step says why, the others have no skip_reason');
select is((select count(*)::int from pgflow.step_states where run_id = :'run' and status = 'skipped' and skipped_at is not null), 3,
  'each skipped step has skipped_at');
select is((select count(*)::int from pgflow.step_states where run_id = :'run' and status <> 'skipped' and skipped_at is not null), 0,
  'the others do not');
select throws_like(format($$ update pgflow.step_states set skip_reason = null where run_id = %L and step_slug = 'gated' $$, :'run'),
  '%skip_reason_matches_status%', 'a skipped step must say why');
select throws_like(format($$ update pgflow.step_states set skip_reason = 'tired' where run_id = %L and step_slug = 'gated' $$, :'run'),
  '%skip_reason_matches_status%', 'in one of pgflow''s words');
select throws_like(format($$ update pgflow.step_states set skip_reason = 'condition_unmet' where run_id = %L and step_slug = 'fine' $$, :'run'),
  '%skip_reason_matches_status%', 'and only a skipped step has one');
select is((select count(*)::int from pgflow.verify_run(:'run')), 0, 'consistent');

select * from finish();
rollback;
