begin;
select plan(11);

select pgflow.create_flow('opts');
select pgflow.add_step('opts', 'list');

select throws_ok($$ select pgflow.add_step('opts', 'one', fanout_policy => 'collect_all') $$, '22023',
  'step ''one'' of flow ''opts'': fanout_policy ''collect_all'' needs a fan-out step; a single step has one task',
  'a policy other than fail_fast on a single step');
select throws_ok($$ select pgflow.add_step('opts', 'many', array['list'], step_type => 'fanout', fanout_policy => 'threshold') $$,
  '22023', 'step ''many'' of flow ''opts'': fanout_policy ''threshold'' needs a success_threshold in (0, 1]',
  'threshold without a success_threshold');
select throws_ok($$ select pgflow.add_step('opts', 'many', array['list'], step_type => 'fanout', fanout_policy => 'threshold', success_threshold => 0) $$,
  '22023', 'step ''many'' of flow ''opts'': success_threshold must be in (0, 1], got 0', 'a threshold of 0');
select throws_ok($$ select pgflow.add_step('opts', 'many', array['list'], step_type => 'fanout', fanout_policy => 'threshold', success_threshold => 1.01) $$,
  '22023', null, 'a threshold above 1');
select throws_ok($$ select pgflow.add_step('opts', 'many', array['list'], step_type => 'fanout', success_threshold => 0.5) $$,
  '22023', 'step ''many'' of flow ''opts'': success_threshold is only for fanout_policy ''threshold''',
  'a threshold without the policy');
select throws_ok($$ select pgflow.add_step('opts', 'many', array['list'], step_type => 'fanout', fanout_policy => 'best_effort') $$,
  '22023', null, 'an unknown policy');
select throws_ok($$ select pgflow.add_step('opts', 'many', array['list'], when_exhausted => 'ignore') $$,
  '22023', null, 'an unknown when_exhausted');
select throws_ok($$ select pgflow.add_step('opts', 'many', array['list'], fanout_timeout => 0) $$,
  '22023', null, 'a fanout_timeout below 1');
select throws_ok($$ select pgflow.create_flow('bad', run_timeout => 0) $$, '22023', null, 'a run_timeout below 1');
select is((select count(*)::int from pgflow.steps where flow_slug = 'opts'), 1, 'nothing refused was written');

select lives_ok($$ select pgflow.add_step('opts', 'many', array['list'], step_type => 'fanout',
                   fanout_policy => 'threshold', success_threshold => 1, when_exhausted => 'skip-cascade',
                   fanout_timeout => 60, max_delay => 5) $$, 'a threshold of exactly 1 is accepted');

select * from finish();
rollback;
