begin;
select plan(3);

select pgflow.create_flow('crawl', max_attempts => 7, run_timeout => 600);
select row_eq(
  $$ select flow_slug::text, opt_max_attempts from pgflow.create_flow('crawl', max_attempts => 7, run_timeout => 600) $$,
  row('crawl'::text, 7),
  'the same definition again returns the existing flow');
select is((select count(*)::int from pgflow.flows), 1, 'no second row');
select lives_ok($$ select pgflow_tests.flow_fanout(); select pgflow_tests.flow_fanout() $$,
  'a whole flow defined twice the same way passes');

select * from finish();
rollback;
