begin;
select plan(3);

select row_eq(
  $$ select flow_slug::text, opt_max_attempts, opt_base_delay, opt_timeout from pgflow.create_flow('crawl') $$,
  row('crawl'::text, 3, 5, 60),
  'defaults are pgflow''s: 3 attempts, 5 s base delay, 60 s timeout');

select row_eq(
  $$ select opt_max_attempts, opt_base_delay, opt_timeout
       from pgflow.create_flow('tuned', max_attempts => 5, base_delay => 0, timeout => 10) $$,
  row(5, 0, 10),
  'options are stored');

select is((select count(*)::int from pgflow.flows), 2, 'one row per flow');

select * from finish();
rollback;
