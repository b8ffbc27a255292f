begin;
select plan(5);

-- _get_flow_shape, _compare_flow_shapes and _create_flow_from_shape, which pgflow's tools call.
select pgflow_tests.flow_fanout();
select is(pgflow._get_flow_shape('fan'), pgflow.flow_shape('fan'), '_get_flow_shape is flow_shape');
select is(pgflow._compare_flow_shapes(pgflow.flow_shape('fan'), pgflow.flow_shape('fan')), '{}'::text[],
  'two equal shapes have no difference');
select is(pgflow._compare_flow_shapes(
    jsonb_set(pgflow.flow_shape('fan'), '{options,maxAttempts}', '7'), pgflow.flow_shape('fan')),
  array['flow: max_attempts 3 -> 7'], 'a difference is named, the database''s value first');
select lives_ok($$ select pgflow._create_flow_from_shape('copy', pgflow.flow_shape('fan')) $$, '_create_flow_from_shape creates a flow');
select is(pgflow.flow_shape('copy'), pgflow.flow_shape('fan'), 'with the shape given');

select * from finish();
rollback;
