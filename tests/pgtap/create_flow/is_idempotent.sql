begin;
select plan(2);

select pgflow.create_flow('crawl', max_attempts => 7);
select row_eq(
  $$ select flow_slug::text, opt_max_attempts from pgflow.create_flow('crawl', max_attempts => 2) $$,
  row('crawl'::text, 7),
  'a second call returns the existing flow unchanged');
select is((select count(*)::int from pgflow.flows), 1, 'no second row');

select * from finish();
rollback;
