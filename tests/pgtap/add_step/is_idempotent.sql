begin;
select plan(3);

select pgflow_tests.flow_chain();
select row_eq(
  $$ select step_slug::text, step_index, deps_count from pgflow.add_step('chain', 'second', array['first']) $$,
  row('second'::text, 1, 1), 'adding an existing step returns it');
select is((select count(*)::int from pgflow.steps where flow_slug = 'chain'), 3, 'no step is added twice');
select is((select count(*)::int from pgflow.deps where flow_slug = 'chain'), 2, 'no dependency is added twice');

select * from finish();
rollback;
