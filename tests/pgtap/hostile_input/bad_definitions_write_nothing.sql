begin;
select plan(12);

select pgflow_tests.flow_chain();
create temp table before as
  select (select count(*) from pgflow.flows) as flows, (select count(*) from pgflow.steps) as steps,
         (select count(*) from pgflow.deps) as deps;
create function pg_temp.unchanged() returns boolean language sql as $$
  select (select count(*) from pgflow.flows) = flows and (select count(*) from pgflow.steps) = steps
     and (select count(*) from pgflow.deps) = deps from before
$$;

select throws_ok($$ select pgflow.add_step('chain', 'loop', array['loop']) $$, '22023', null, 'a self-dependency is refused');
-- A cycle cannot be built: a dependency must exist before its dependent, and re-adding a step
-- with new dependencies is refused.
select throws_ok($$ select pgflow.add_step('chain', 'ahead', array['later']) $$, '42704', null, 'a dependency on a step not yet added is refused');
select throws_ok($$ select pgflow.add_step('chain', 'first', array['third']) $$, '42710',
  'step ''first'' of flow ''chain'' is already defined differently: deps {} -> {third} (nothing was changed; delete_flow or ensure_flow_compiled with allow_replace replaces a flow)',
  're-adding a step with new dependencies is refused');
select is((select count(*)::int from pgflow.deps where flow_slug = 'chain' and step_slug = 'first'), 0,
  'so no cycle first -> third -> second -> first is written');
select throws_ok($$ select pgflow.add_step('chain', 'x; drop table pgflow.runs') $$, '22023', null, 'an injected slug is refused');
select throws_ok($$ select pgflow.add_step('chain', 'x', max_attempts => -1) $$, '22023', null, 'negative attempts are refused');
select throws_ok($$ select pgflow.add_step('chain', 'x', timeout => -1) $$, '22023', null, 'a negative timeout is refused');
select throws_ok($$ select pgflow.add_step('chain', 'x', base_delay => -2147483648) $$, '22023', null, 'the smallest int is refused');
select throws_ok($$ select pgflow.create_flow(repeat('x', 100000)) $$, '22023', null, 'a 100,000-character slug is refused');
select throws_ok($$ select pgflow.add_step('chain', E'tab\there') $$, '22023', null, 'a control character in a slug is refused');
select throws_ok($$ select pgflow.add_step('chain', 'x', array['first', 'second'], step_type => 'fanout') $$, '22023', null,
  'a fan-out over two steps is refused');
select ok(pg_temp.unchanged(), 'and none of the refused calls wrote anything');

select * from finish();
rollback;
