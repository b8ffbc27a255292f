begin;
select plan(4);

select pgflow.create_flow('crawl', max_attempts => 3);
select throws_ok($$ select pgflow.create_flow('crawl', max_attempts => 5) $$, '42710',
  'flow ''crawl'' is already defined differently: max_attempts 3 -> 5 (nothing was changed; delete_flow or ensure_flow_compiled with allow_replace replaces a flow)',
  'a flow defined again with another option is refused, naming the difference');
select throws_ok($$ select pgflow.create_flow('crawl', base_delay => 2, timeout => 30, run_timeout => 900, max_delay => 60) $$, '42710',
  'flow ''crawl'' is already defined differently: base_delay 5 -> 2, timeout 60 -> 30, run_timeout none -> 900, max_delay 300 -> 60 (nothing was changed; delete_flow or ensure_flow_compiled with allow_replace replaces a flow)',
  'every option that differs is listed');
select row_eq($$ select opt_max_attempts, opt_base_delay, opt_timeout, opt_run_timeout, opt_max_delay from pgflow.flows $$,
  row(3, 5, 60, null::int, 300), 'and the stored flow is unchanged');
select lives_ok($$ select pgflow.create_flow('crawl') $$, 'the same definition again passes');

select * from finish();
rollback;
