begin;
select plan(6);

-- pgflow reads a NULL option as "the default".
select lives_ok($$ select pgflow.create_flow('nulls', null, null, 5) $$, 'create_flow takes NULL options');
select row_eq($$ select opt_max_attempts, opt_base_delay, opt_timeout, opt_max_delay from pgflow.flows where flow_slug = 'nulls' $$,
  row(3, 5, 5, 300), 'and stores the defaults in their place');
select lives_ok($$ select pgflow.create_flow('nulls', null, null, 5) $$, 'the same call again is the same definition');
select lives_ok(
  $$ select pgflow.add_step('nulls', 'first', deps_slugs => null, step_type => null, fanout_policy => null,
                            when_exhausted => null, aggregate => null, when_unmet => null) $$,
  'add_step takes NULL arguments');
select row_eq($$ select step_type, deps_count, fanout_policy, when_exhausted, aggregate, when_unmet
                   from pgflow.steps where flow_slug = 'nulls' and step_slug = 'first' $$,
  row('single'::text, 0, 'fail_fast'::text, 'fail'::text, true, 'skip'::text), 'and stores the defaults');
select lives_ok($$ select pgflow.ensure_flow_compiled('nulls', pgflow.flow_shape('nulls'), null) $$,
  'ensure_flow_compiled reads a NULL allow_replace as false');

select * from finish();
rollback;
