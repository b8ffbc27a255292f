begin;
select plan(5);

-- list -> each (a fan-out over list's items, only when list says go; a dependent step's condition
-- is matched against its dependencies' outputs by slug, as pgflow matches it)
select pgflow.create_flow('maybe');
select pgflow.add_step('maybe', 'list');
select pgflow.add_step('maybe', 'each', array['list'], step_type => 'fanout', fanout_path => 'items',
                       required_input_pattern => '{"list": {"go": true}}');
select pgflow.add_step('maybe', 'total', array['each']);
select run_id as go from pgflow.start_flow('maybe', '{"go": true}') \gset
select run_id as stay from pgflow.start_flow('maybe', '{"go": false}') \gset
select count(*) from pgflow_tests.poll('maybe');
select pgflow.complete_task(:'go', 'list', 0, '{"go": true, "items": [1, 2, 3]}');
select pgflow.complete_task(:'stay', 'list', 0, '{"go": false, "items": [1, 2, 3]}');

select is((select count(*)::int from pgflow.step_tasks where run_id = :'go' and step_slug = 'each'), 3,
  'a fan-out whose input meets its condition spawns a task per item');
select is((select count(*)::int from pgflow.step_tasks where run_id = :'stay' and step_slug = 'each'), 0,
  'one whose input does not spawns none: the condition is checked once, not per item');
select is((pgflow_tests.step(:'stay', 'each')).status, 'skipped', 'it is skipped');
select is((pgflow_tests.step(:'stay', 'total')).status, 'started', 'and its dependent runs without it');
select is((select count(*)::int from pgflow.verify_run(:'stay')), 0, 'consistent');

select * from finish();
rollback;
