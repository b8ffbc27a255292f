begin;
select plan(13);

select pgflow_tests.flow_fanout();

select throws_ok($$ select pgflow.add_step('nope', 'x') $$, '42704',
  'flow ''nope'' does not exist', 'unknown flow');
select throws_ok($$ select pgflow.add_step('fan', 'x', array['ghost']) $$, '42704',
  'step ''x'' of flow ''fan'' depends on ''ghost'', which is not a step of the flow', 'unknown dependency');
select throws_ok($$ select pgflow.add_step('fan', 'both', array['list', 'save'], step_type => 'fanout') $$, '22023',
  'step ''both'' of flow ''fan'': a fan-out step has at most one dependency, got 2', 'fan-out with two dependencies');
select throws_ok($$ select pgflow.add_step('fan', 'bad-slug') $$, '22023',
  'invalid step slug "bad-slug": it may contain only letters, digits and underscores', 'invalid step slug');
select throws_ok($$ select pgflow.add_step('fan', 'run') $$, '22023', null, 'reserved step slug');
select throws_ok($$ select pgflow.add_step('fan', 'x', max_attempts => -1) $$, '22023',
  'step ''x'' of flow ''fan'': max_attempts must be at least 0, got -1', 'negative max_attempts');
select throws_ok($$ select pgflow.add_step('fan', 'x', start_delay => -5) $$, '22023',
  'step ''x'' of flow ''fan'': start_delay must be at least 0, got -5', 'negative start_delay');
select throws_ok($$ select pgflow.add_step('fan', 'x', step_type => 'loop') $$, '22023',
  'step ''x'' of flow ''fan'': unknown step_type "loop" (expected ''single'' or ''fanout'')', 'unknown step type');
select throws_ok($$ select pgflow.add_step('fan', 'x', array['x']) $$, '22023',
  'step ''x'' of flow ''fan'' cannot depend on itself', 'self dependency');
select throws_ok($$ select pgflow.add_step('fan', 'x', array['list', 'list']) $$, '22023',
  'step ''x'' of flow ''fan'' lists dependency ''list'' more than once', 'duplicate dependency');
select throws_ok($$ select pgflow.add_step('fan', 'x', array['list', null]) $$, '22004',
  'pgflow.add_step: every element of deps_slugs must not be null', 'null dependency');
select throws_ok($$ select pgflow.add_step('fan', null) $$, '22004',
  'pgflow.add_step: step_slug must not be null', 'null step slug');
select is((select count(*)::int from pgflow.steps where flow_slug = 'fan'), 3, 'nothing was written');

select * from finish();
rollback;
