begin;
select plan(7);

select pgflow.create_flow('a');
select pgflow.create_flow('b');
select pgflow.add_step('b', 'x');
select pgflow.add_step('a', 'each', step_type => 'fanout', subflow => 'b');

select throws_ok($$ select pgflow.add_step('b', 'back', step_type => 'fanout', subflow => 'a') $$, '22023',
  'step ''back'' of flow ''b'': sub-flow ''a'' would make a cycle of flows: b -> a -> b', 'a cycle of sub-flows is refused');
select throws_ok($$ select pgflow.add_step('b', 'self', step_type => 'fanout', subflow => 'b') $$, '22023',
  'step ''self'' of flow ''b'': sub-flow ''b'' would make a cycle of flows: b -> b', 'so is a flow that runs itself');
select throws_ok($$ select pgflow.add_step('a', 'other', step_type => 'fanout', subflow => 'nowhere') $$, '42704',
  'step ''other'' of flow ''a'': its sub-flow ''nowhere'' does not exist (create it first)', 'an unknown sub-flow is refused');
select throws_ok($$ select pgflow.add_step('a', 'one', subflow => 'b') $$, '22023',
  'step ''one'' of flow ''a'': subflow needs a fan-out step (each item becomes a run of the sub-flow)', 'a sub-flow needs a fan-out');
select throws_ok($$ select pgflow.add_step('a', 'capped', step_type => 'fanout', subflow => 'b', max_concurrency => 2) $$, '22023',
  'step ''capped'' of flow ''a'': a sub-flow fan-out takes neither max_concurrency nor batch_size', 'and takes no cap or batch');
select throws_ok($$ select pgflow.delete_flow('b') $$, '2BP01',
  'flow ''b'' is the sub-flow of step ''each'' of flow ''a''; delete that flow first', 'a flow in use as a sub-flow cannot be deleted');
select is((select count(*)::int from pgflow.steps where flow_slug in ('a', 'b')), 2, 'none of the refused steps was added');

select * from finish();
rollback;
