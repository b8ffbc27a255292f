begin;
select plan(10);

select pgflow_tests.flow_chain();
select pgflow_tests.flow_root_fanout();

-- 5 MB of input and output pass through unchanged.
select run_id as big from pgflow.start_flow('chain', jsonb_build_object('blob', repeat('x', 5000000))) \gset
select is((select md5(input::text) from pgflow_tests.poll('chain') where run_id = :'big'),
  md5(jsonb_build_object('run', jsonb_build_object('blob', repeat('x', 5000000)))::text), 'a 5 MB run input reaches the worker intact');
select is((select length(output ->> 'blob') from pgflow.complete_task(:'big', 'first', 0, jsonb_build_object('blob', repeat('y', 5000000)))),
  5000000, 'a 5 MB output is stored');

-- 5,000 levels of nesting, as input and as a fan-out element.
select run_id as deep from pgflow.start_flow('root', jsonb_build_array((repeat('[', 5000) || repeat(']', 5000))::jsonb)) \gset
select is((select input -> 'item' from pgflow_tests.poll('root') where run_id = :'deep'),
  (repeat('[', 5000) || repeat(']', 5000))::jsonb, 'a 5,000-deep element reaches the worker intact');
-- Nesting past the stack limit is refused by the JSON parser before any function runs.
select throws_ok($$ select pgflow.start_flow('chain', (repeat('[', 500000) || repeat(']', 500000))::jsonb) $$, '54001', null,
  'JSON nested beyond the stack limit is refused with a SQLSTATE');
select lives_ok($$ select 1 $$, 'and the backend is still there');

-- A root fan-out over anything but an array is refused, and no run is left behind.
select throws_ok($$ select pgflow.start_flow('root', 'null') $$, '22023', null, 'JSON null is not an array');
select throws_ok($$ select pgflow.start_flow('root', '42') $$, '22023', null, 'a number is not an array');
select throws_ok($$ select pgflow.start_flow('root', '{"0": 1}') $$, '22023', null, 'an object is not an array');
select is((select count(*)::int from pgflow.runs where flow_slug = 'root'), 1, 'no run was created by the refused starts');

-- Odd but valid outputs: JSON null, an empty string, unicode.
select run_id as odd from pgflow.start_flow('chain', '{}') \gset
select count(*) from pgflow_tests.poll('chain');
select pgflow.complete_task(:'odd', 'first', 0, 'null');
select count(*) from pgflow_tests.poll('chain');
select pgflow.complete_task(:'odd', 'second', 0, '""');
select count(*) from pgflow_tests.poll('chain');
select pgflow.complete_task(:'odd', 'third', 0, '"ünïcødé \u2603"');
select is((pgflow_tests.run(:'odd')).output, '{"third": "ünïcødé ☃"}'::jsonb, 'null, empty and unicode outputs flow through');

select * from finish();
rollback;
