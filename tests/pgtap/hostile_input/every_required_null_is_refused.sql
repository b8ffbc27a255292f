begin;
-- One assertion per required argument of every API function (those without a default), found in
-- the catalog: a function added later without a test here changes the count and fails the plan.
select plan(77);

select pgflow_tests.flow_fanout();
select run_id as run from pgflow.start_flow('fan', '{}') \gset

-- A plausible value per argument type, so that the NULL is the only thing wrong with the call.
create temp table sample_value (type_name text primary key, literal text);
insert into sample_value values
  ('text', '''fan'''), ('jsonb', '''{}''::jsonb'), ('uuid', quote_literal(:'run') || '::uuid'), ('integer', '0'),
  ('uuid[]', 'array[' || quote_literal(:'run') || ']::uuid[]'), ('text[]', 'array[''list'']'),
  ('integer[]', 'array[0]'), ('jsonb[]', 'array[''1'']::jsonb[]');

with arg as (
  select p.proname::text as fn, a.position, a.name, a.type_name, p.pronargs - p.pronargdefaults as required
  from pg_proc p
  join pg_namespace n on n.oid = p.pronamespace and n.nspname = 'pgflow'
  cross join lateral unnest(p.proargnames[1:p.pronargs], p.proargtypes::oid[]::regtype[]::text[])
       with ordinality as a (name, type_name, position)
), required_arg as (
  -- vt NULL is allowed: each claimed task is then leased for its step's timeout. is_valid_slug
  -- answers false for NULL, as pgflow's does.
  select * from arg where not (fn in ('poll_for_tasks', 'complete_tasks_and_poll') and name = 'vt')
                      and fn <> 'is_valid_slug'
), call as (
  select target.fn, target.name,
         format('select * from pgflow.%I(%s)', target.fn,
                string_agg(case when arg.position = target.position then 'null::' || arg.type_name
                                else (select literal from sample_value s where s.type_name = arg.type_name) end,
                           ', ' order by arg.position)) as statement
  from required_arg target
  join arg on arg.fn = target.fn and arg.position <= arg.required
  where target.position <= target.required
  group by target.fn, target.name, target.position
)
select throws_ok(statement, '22004', null, format('%s refuses a NULL %s', fn, name))
from call order by fn, name;

select is((select count(*)::int from pgflow.runs), 1, 'no refused call created a run');
select lives_ok($$ select * from pgflow.poll_for_tasks('fan', null, 1, 0) $$, 'poll_for_tasks takes a NULL vt');
select is(pgflow.is_valid_slug(null), false, 'is_valid_slug says a NULL is no slug');

select * from finish();
rollback;
