-- pgflow.distribute() (the Citus mode, docs/citus.md) needs the citus extension: without it, it
-- is refused with 55000, naming what to do, and changes nothing. (tests/citus/ runs it on a
-- coordinator and two workers.)
begin;
select plan(3);

select throws_ok('select pgflow.distribute()', '55000',
  'pgflow.distribute: the citus extension is not installed in this database (CREATE EXTENSION citus first)',
  'distribute is refused where citus is not installed');
select has_index('pgflow', 'runs', 'runs_flow_slug_run_key_key', 'the run key index is still there');
select is((select proconfig @> array['plan_cache_mode=force_generic_plan'] from pg_proc where oid = 'pgflow.start_flow'::regproc),
  true, 'the functions keep their planner settings');

select * from finish();
rollback;
