begin;
select plan(5);

select pgflow_tests.flow_diamond();

select results_eq(
  $$ select step_slug::text, step_index, deps_count from pgflow.steps where flow_slug = 'diamond' order by step_index $$,
  $$ values ('top', 0, 0), ('left_side', 1, 1), ('right_side', 2, 1), ('bottom', 3, 2) $$,
  'steps are numbered in the order they were added and count their dependencies');
select set_eq(
  $$ select dep_slug, step_slug from pgflow.deps where flow_slug = 'diamond' $$,
  $$ values ('top', 'left_side'), ('top', 'right_side'), ('left_side', 'bottom'), ('right_side', 'bottom') $$,
  'one deps row per dependency');
select row_eq(
  $$ select opt_max_attempts, opt_base_delay, opt_timeout, opt_start_delay
       from pgflow.add_step('diamond', 'tuned', max_attempts => 9, base_delay => 2, timeout => 30, start_delay => 5) $$,
  row(9, 2, 30, 5), 'step options are stored');
select row_eq(
  $$ select opt_max_attempts, opt_base_delay, opt_timeout, opt_start_delay from pgflow.add_step('diamond', 'plain') $$,
  row(null::int, null::int, null::int, null::int), 'unset step options stay NULL and inherit from the flow');
select is((select step_type from pgflow.steps where flow_slug = 'diamond' and step_slug = 'top'), 'single', 'single by default');

select * from finish();
rollback;
