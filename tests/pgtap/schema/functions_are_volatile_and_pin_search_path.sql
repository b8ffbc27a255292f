begin;
select plan(7);

-- The API, listed once here; the checks below read it.
create temp table api (name text, volatility "char") on commit drop;
insert into api values
  ('create_flow', 'v'), ('add_step', 'v'), ('start_flow', 'v'), ('start_ready_steps', 'v'), ('spawn_fanout_tasks', 'v'),
  ('poll_for_tasks', 'v'), ('complete_task', 'v'), ('fail_task', 'v'), ('complete_tasks', 'v'), ('fail_tasks', 'v'),
  ('complete_tasks_and_poll', 'v'), ('cancel_run', 'v'), ('verify_run', 's'), ('redrive_run', 'v'),
  ('enforce_deadlines', 'v'), ('extend_lease', 'v'), ('progress', 's'), ('stats', 's'),
  -- read_results waits for the answers in flight
  ('read_results', 'v'), ('run_tree', 's'), ('list_runs', 's'), ('wait_for_run', 'v'), ('repair_run', 'v'),
  ('prune_runs', 'v'), ('flow_shape', 's'), ('compare_flow_shape', 's'), ('ensure_flow_compiled', 'v'), ('delete_flow', 'v'),
  -- pgflow's names (0.9.0)
  ('get_run_with_states', 's'), ('start_flow_with_states', 'v'), ('maybe_complete_run', 'v'),
  ('delete_flow_and_data', 'v'), ('is_valid_slug', 'i'), ('_get_flow_shape', 's'), ('_compare_flow_shapes', 'i'),
  ('_create_flow_from_shape', 'v'),
  -- the Citus mode (0.10.0)
  ('distribute', 'v'),
  -- the dashboard's reads (0.11.0)
  ('child_runs', 's'), ('child_run_counts', 's'), ('failure_groups', 's'), ('failed_items', 's'),
  ('inspect_task', 's'), ('step_timeline', 's'), ('runs_by_key', 's');

-- A trigger function is no API (it cannot be called): the one behind pgflow's
-- initial_tasks_known_when_started, a constraint trigger (see schema.sql).
select functions_are('pgflow', array(select name from api union all select '_initial_tasks_known_when_started'));

select is_empty(
  $$ select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     join api on api.name = p.proname
     where n.nspname = 'pgflow' and p.provolatile <> api.volatility $$,
  'each function of the API has the volatility listed: volatile where it writes or waits');
select throws_ok('select pgflow._initial_tasks_known_when_started()', '0A000', null,
  'the trigger function cannot be called as a function');
select is_empty(
  $$ select n.nspname, p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     join pg_depend d on d.objid = p.oid and d.deptype = 'e'
     join pg_extension e on e.oid = d.refobjid and e.extname = 'pgflow'
     where n.nspname <> 'pgflow'
        or (p.proname not in (select name from api) and p.prorettype <> 'trigger'::regtype) $$,
  'the extension has no function outside its API: no internal helper in any schema');

select is_empty(
  $$ select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'pgflow'
       and not exists (select from unnest(p.proconfig) c where c like 'search_path=%') $$,
  'every function pins its search_path');
-- Some plans' estimates grow with the queue: past jit_above_cost each call would compile its
-- expressions with LLVM again (about 300 ms per step that ended, at 100,000 tasks).
select is_empty(
  $$ select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'pgflow'
       and not exists (select from unnest(p.proconfig) c where c = 'jit=off') $$,
  'every function runs without JIT');

-- The task functions and enforce_deadlines are the only way pgflow_worker touches the queue, and
-- flow_shape and compare_flow_shape the only way it reads a definition (see src/api/tasks.rs,
-- src/api/runs.rs and src/api/definition.rs).
select is(
  array(select p.proname::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'pgflow' and p.prosecdef order by 1),
  array['compare_flow_shape', 'complete_task', 'complete_tasks', 'complete_tasks_and_poll', 'enforce_deadlines', 'extend_lease',
        'fail_task', 'fail_tasks', 'flow_shape', 'poll_for_tasks'],
  'only the task functions, enforce_deadlines, flow_shape and compare_flow_shape are security definer');

select * from finish();
rollback;
