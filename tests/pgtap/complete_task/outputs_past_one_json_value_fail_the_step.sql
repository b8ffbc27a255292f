-- A fan-out's output is one JSON array of its items' outputs, and jsonb stops at 256 MB. When the
-- answers that end a fan-out bring it past that, the step fails with a reason that says so and
-- what to do (aggregate => false), and the answers are kept: the answer is not refused, which would
-- happen again at every try and leave the run hanging. With aggregate => false the same answers
-- complete the step. (Three outputs of 95 MB here; the same holds for millions of small ones.)
begin;
select plan(7);

select pgflow.create_flow('huge', max_attempts => 1);
select pgflow.add_step('huge', 'items', step_type => 'fanout');
select pgflow.add_step('huge', 'after', array['items']);
select pgflow.create_flow('kept', max_attempts => 1);
select pgflow.add_step('kept', 'items', step_type => 'fanout', aggregate => false);
select run_id as huge from pgflow.start_flow('huge', '[1, 2, 3]') \gset
select run_id as kept from pgflow.start_flow('kept', '[1, 2, 3]') \gset
select count(*) from pgflow_tests.poll('huge', 10);
select count(*) from pgflow_tests.poll('kept', 10);
create temp table big as select to_jsonb(repeat('x', 95 * 1024 * 1024)) as v;

select count(*) from generate_series(0, 1) i, big, pgflow.complete_task(:'huge', 'items', i, big.v);
select lives_ok(format($$ select count(*) from big, pgflow.complete_task(%L, 'items', 2, big.v) $$, :'huge'),
  'the answer that ends the fan-out is taken');
select is((select (status, error_message)::text from pgflow.runs where run_id = :'huge'),
  '(failed,"step ''items'' failed: its items'' outputs do not fit in one JSON value (total size of jsonb array elements '
  || 'exceeds the maximum of 268435455 bytes); add the step with aggregate => false and read its items with read_results")',
  'the run fails, saying why and what to do');
select is((pgflow_tests.step(:'huge', 'items')).status, 'failed', 'the step failed');
select is((pgflow_tests.step(:'huge', 'after')).status, 'cancelled', 'its dependent is cancelled');
select is((select count(*)::int from pgflow.step_tasks where run_id = :'huge' and status = 'completed'), 3,
  'the answers are kept');
select is_empty(format($$ select * from pgflow.verify_run(%L) $$, :'huge'), 'the run is consistent');

select count(*) from generate_series(0, 2) i, big, pgflow.complete_task(:'kept', 'items', i, big.v);
select is((select (status, output)::text from pgflow.runs where run_id = :'kept'),
  '(completed,"{""items"": {""total"": 3, ""failed"": 0, ""completed"": 3}}")',
  'with aggregate => false the same answers complete the step and the run');

select * from finish();
rollback;
