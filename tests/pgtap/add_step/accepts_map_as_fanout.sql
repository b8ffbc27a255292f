begin;
select plan(3);

select pgflow.create_flow('compat');
select pgflow.add_step('compat', 'list');
select is((pgflow.add_step('compat', 'each', array['list'], step_type => 'map')).step_type, 'fanout',
  'pgflow''s map is stored as fanout');
select is((pgflow.add_step('compat', 'roots', step_type => 'fanout')).step_type, 'fanout',
  'a fan-out without dependencies fans out over the run input');
select is((pgflow.add_step('compat', 'after', array['each', 'roots'])).deps_count, 2,
  'a single step may depend on several fan-outs');

select * from finish();
rollback;
