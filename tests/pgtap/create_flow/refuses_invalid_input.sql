begin;
select plan(11);

select throws_ok($$ select pgflow.create_flow('has-dash') $$, '22023',
  'invalid flow slug "has-dash": it may contain only letters, digits and underscores', 'dash');
select throws_ok($$ select pgflow.create_flow('1st') $$, '22023',
  'invalid flow slug "1st": it must start with a letter or an underscore', 'leading digit');
select throws_ok($$ select pgflow.create_flow('run') $$, '22023',
  'invalid flow slug "run": ''run'' is reserved for the run input', 'reserved slug');
select throws_ok($$ select pgflow.create_flow('') $$, '22023',
  'invalid flow slug "": it is empty', 'empty slug');
select throws_ok(format('select pgflow.create_flow(%L)', repeat('a', 129)), '22023', null, 'slug over 128 characters');
select lives_ok(format('select pgflow.create_flow(%L)', repeat('a', 128)), 'slug of 128 characters');
select throws_ok($$ select pgflow.create_flow('f', max_attempts => -1) $$, '22023',
  'flow ''f'': max_attempts must be at least 0, got -1', 'negative attempts');
select throws_ok($$ select pgflow.create_flow('f', base_delay => -1) $$, '22023',
  'flow ''f'': base_delay must be at least 0, got -1', 'negative base delay');
select throws_ok($$ select pgflow.create_flow('f', timeout => 0) $$, '22023',
  'flow ''f'': timeout must be at least 1, got 0', 'zero timeout');
select throws_ok($$ select pgflow.create_flow(null) $$, '22004',
  'pgflow.create_flow: flow_slug must not be null', 'null slug');
select is((select count(*)::int from pgflow.flows), 1, 'only the valid flow was written');

select * from finish();
rollback;
