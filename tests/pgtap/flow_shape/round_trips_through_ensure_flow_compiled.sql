begin;
select plan(16);

-- Every fixture flow, and one with every option set: its shape compiles a copy under another
-- slug whose shape is the same, and verifies against the original.
select pgflow_tests.flow_chain(), pgflow_tests.flow_diamond(), pgflow_tests.flow_fanout(max_attempts => 4, base_delay => 2),
       pgflow_tests.flow_root_fanout(), pgflow_tests.flow_two_fanouts(),
       pgflow_tests.flow_items(fanout_policy => 'threshold', success_threshold => 0.5, when_exhausted => 'skip-cascade', fanout_timeout => 30);
select pgflow.create_flow('tuned', run_timeout => 60, max_delay => 10);
select pgflow.add_step('tuned', 'a', max_attempts => 2, base_delay => 0, timeout => 5, start_delay => 3, max_delay => 7);
select pgflow.add_step('tuned', 'b', array['a'], step_type => 'fanout', fanout_policy => 'collect_all', aggregate => false);

select is(pgflow.ensure_flow_compiled(f || '_copy', pgflow.flow_shape(f)), '{"status": "compiled", "differences": []}',
          format('the shape of %s compiles', f))
from unnest(array['chain', 'diamond', 'fan', 'root', 'twofan', 'items', 'tuned']) f;
select is(pgflow.flow_shape(f || '_copy'), pgflow.flow_shape(f), format('and the copy of %s has the same shape', f))
from unnest(array['chain', 'diamond', 'fan', 'root', 'twofan', 'items', 'tuned']) f;
select is(pgflow.ensure_flow_compiled('tuned', pgflow.flow_shape('tuned_copy')), '{"status": "verified", "differences": []}',
  'the copy''s shape verifies against the original');
select is(
  (select jsonb_agg(to_jsonb(s) - 'created_at' - 'flow_slug' order by step_index) from pgflow.steps s where flow_slug = 'items_copy'),
  (select jsonb_agg(to_jsonb(s) - 'created_at' - 'flow_slug' order by step_index) from pgflow.steps s where flow_slug = 'items'),
  'the copy stores the same steps, option for option');

select * from finish();
rollback;
