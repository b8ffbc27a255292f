\echo Use "ALTER EXTENSION pgflow UPDATE TO '0.9.0'" to load this file. \quit
-- pgflow 0.8.0 -> 0.9.0: pgflow parity. pgflow's flows, conditions, options and client calls
-- behave as pgflow's do.
-- Changes what existing flows do:
-- - Conditions are matched as pgflow matches them: a root step's against the run input itself
--   (before: {"run": <input>}), a dependent step's against its dependencies' outputs keyed by slug
--   (before: the same with "run" beside them). A root step's pattern that is exactly
--   {"run": <object>} is rewritten below to that object, so it keeps matching what it matched;
--   any other pattern that names "run" can no longer match as it did, and is reported with a
--   WARNING (edit it, or redefine the flow).
-- - create_flow's base_delay defaults to 5 seconds (pgflow's), for flows created from now on.
-- New: a claim's record says when its lease ends (step_task_record.lease_ends_at);
-- max_attempts 0 (no retry, as 1); NULL arguments of create_flow and add_step take their
-- defaults; claims of tasks queued at the same instant take the one queued first;
-- step_states.skip_reason and skipped_at; get_run_with_states, start_flow_with_states,
-- maybe_complete_run, delete_flow_and_data, is_valid_slug, _get_flow_shape, _compare_flow_shapes
-- and _create_flow_from_shape; pgflow's check constraints (initial_tasks_known_when_started,
-- output_only_for_completed_or_null, output_valid_only_for_completed, the patterns being objects).
-- Runs in flight carry on: their skipped steps get a skip_reason from the message they stored.

-- Definitions
alter table pgflow.flows alter column opt_base_delay set default 5;
alter table pgflow.flows drop constraint flows_max_attempts_positive;
alter table pgflow.flows add constraint flows_max_attempts_nonnegative check (opt_max_attempts >= 0);
alter table pgflow.steps drop constraint steps_max_attempts_positive;
alter table pgflow.steps add constraint steps_max_attempts_nonnegative check (opt_max_attempts >= 0);

do $$
declare
  s record;
begin
  -- A pattern that is not an object never matched anything (@> of an object input); the
  -- constraint below refuses it from now on.
  for s in select flow_slug, step_slug from pgflow.steps
            where jsonb_typeof(required_input_pattern) <> 'object' or jsonb_typeof(forbidden_input_pattern) <> 'object' loop
    raise exception 'step ''%'' of flow ''%'' has a condition that is not a JSON object; fix it before upgrading',
      s.step_slug, s.flow_slug using errcode = 'check_violation';
  end loop;
  for s in select flow_slug, step_slug from pgflow.steps
            where deps_count = 0
              and (required_input_pattern ?| array['run'] or forbidden_input_pattern ?| array['run'])
              and not ((required_input_pattern is null or (required_input_pattern - 'run' = '{}' and jsonb_typeof(required_input_pattern -> 'run') = 'object'))
                   and (forbidden_input_pattern is null or (forbidden_input_pattern - 'run' = '{}' and jsonb_typeof(forbidden_input_pattern -> 'run') = 'object')))
            union all
           select flow_slug, step_slug from pgflow.steps
            where deps_count > 0 and (required_input_pattern ? 'run' or forbidden_input_pattern ? 'run') loop
    raise warning 'the condition of step ''%'' of flow ''%'' names "run", which pgflow''s matching (now this one''s) does not give it',
      s.step_slug, s.flow_slug;
  end loop;
end
$$;
-- Root patterns of the form {"run": {...}} keep their meaning.
update pgflow.steps
set required_input_pattern = case when required_input_pattern - 'run' = '{}' and jsonb_typeof(required_input_pattern -> 'run') = 'object'
                                  then required_input_pattern -> 'run' else required_input_pattern end,
    forbidden_input_pattern = case when forbidden_input_pattern - 'run' = '{}' and jsonb_typeof(forbidden_input_pattern -> 'run') = 'object'
                                   then forbidden_input_pattern -> 'run' else forbidden_input_pattern end
where deps_count = 0 and (required_input_pattern ? 'run' or forbidden_input_pattern ? 'run');
alter table pgflow.steps
  add constraint required_input_pattern_is_object check (
    required_input_pattern is null or jsonb_typeof(required_input_pattern) = 'object'),
  add constraint forbidden_input_pattern_is_object check (
    forbidden_input_pattern is null or jsonb_typeof(forbidden_input_pattern) = 'object');

-- Runs
alter table pgflow.step_states add column skip_reason text, add column skipped_at timestamptz;
update pgflow.step_states
set skipped_at = failed_at,
    skip_reason = case when error_message like 'skipped because step %' then 'dependency_skipped'
                       when error_message like 'condition not met%' then 'condition_unmet'
                       else 'handler_failed' end
where status = 'skipped';
alter table pgflow.step_states
  add constraint skip_reason_matches_status check (
    (status = 'skipped') = (skip_reason is not null)
    and skip_reason in ('condition_unmet', 'handler_failed', 'dependency_skipped')),
  add constraint output_only_for_completed_or_null check (output is null or status = 'completed');
alter table pgflow.step_tasks
  add constraint output_valid_only_for_completed check (output is null or status in ('completed', 'failed'));

create function pgflow._initial_tasks_known_when_started() returns trigger
language plpgsql
set search_path = pg_catalog, pgflow, pg_temp
as $$
begin
  if exists (select from pgflow.step_states ss
              where ss.run_id = new.run_id and ss.step_slug = new.step_slug
                and ss.status = 'started' and ss.initial_tasks is null) then
    raise exception 'step ''%'' of run % is started without initial_tasks', new.step_slug, new.run_id
      using errcode = 'check_violation', constraint = 'initial_tasks_known_when_started',
            table = 'step_states', schema = 'pgflow';
  end if;
  return null;
end
$$;
create constraint trigger initial_tasks_known_when_started
  after insert or update of status, initial_tasks on pgflow.step_states
  deferrable initially deferred
  for each row when (new.status = 'started' and new.initial_tasks is null)
  execute function pgflow._initial_tasks_known_when_started();

-- A claim says when each lease ends.
alter type pgflow.step_task_record add attribute lease_ends_at timestamptz;

-- Functions (scripts/upgrade-functions.mjs over the install scripts of 0.8.0 and 0.9.0)
-- new: _compare_flow_shapes(jsonb, jsonb)
CREATE FUNCTION "_compare_flow_shapes"(
	"p_local" jsonb,
	"p_db" jsonb
) RETURNS TEXT[]
IMMUTABLE PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'compare_flow_shapes_as_pgflow_wrapper';

-- new: _create_flow_from_shape(TEXT, jsonb)
CREATE FUNCTION "_create_flow_from_shape"(
	"p_flow_slug" TEXT,
	"p_shape" jsonb
) RETURNS VOID
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'create_flow_from_shape_as_pgflow_wrapper';

-- new: _get_flow_shape(TEXT)
CREATE FUNCTION "_get_flow_shape"(
	"p_flow_slug" TEXT
) RETURNS jsonb
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'get_flow_shape_as_pgflow_wrapper';

-- changed: create_flow(TEXT, INT, INT, INT, INT, INT, INT)
CREATE OR REPLACE FUNCTION "create_flow"(
	"flow_slug" TEXT,
	"max_attempts" INT DEFAULT NULL,
	"base_delay" INT DEFAULT NULL,
	"timeout" INT DEFAULT NULL,
	"run_timeout" INT DEFAULT NULL,
	"max_delay" INT DEFAULT NULL,
	"max_concurrency" INT DEFAULT NULL
) RETURNS flows
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'create_flow_wrapper';

-- new: delete_flow_and_data(TEXT)
CREATE FUNCTION "delete_flow_and_data"(
	"flow_slug" TEXT
) RETURNS VOID
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'delete_flow_and_data_wrapper';

-- new: get_run_with_states(uuid)
CREATE FUNCTION "get_run_with_states"(
	"run_id" uuid
) RETURNS jsonb
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'get_run_with_states_wrapper';

-- new: is_valid_slug(TEXT)
CREATE FUNCTION "is_valid_slug"(
	"slug" TEXT
) RETURNS bool
IMMUTABLE PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'is_valid_slug_wrapper';

-- new: maybe_complete_run(uuid)
CREATE FUNCTION "maybe_complete_run"(
	"run_id" uuid
) RETURNS VOID
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'maybe_complete_run_wrapper';

-- new: start_flow_with_states(TEXT, jsonb, uuid)
CREATE FUNCTION "start_flow_with_states"(
	"flow_slug" TEXT,
	"input" jsonb,
	"run_id" uuid DEFAULT NULL
) RETURNS jsonb
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'start_flow_with_states_wrapper';

-- Privileges and planner settings of the new functions, as finalize.sql gives them.
revoke all on all functions in schema pgflow from public;
grant execute on all functions in schema pgflow to pgflow_admin;
do $$
declare
  f regprocedure;
begin
  for f in select p.oid::regprocedure from pg_catalog.pg_proc p where p.pronamespace = 'pgflow'::regnamespace loop
    execute format('alter function %s reset plan_cache_mode', f);
    execute format('alter function %s reset enable_seqscan', f);
    execute format('alter function %s reset enable_bitmapscan', f);
    execute format('alter function %s reset jit', f);
    execute format('alter function %s set plan_cache_mode = force_generic_plan', f);
    execute format('alter function %s set enable_seqscan = off', f);
    execute format('alter function %s set enable_bitmapscan = off', f);
    execute format('alter function %s set jit = off', f);
  end loop;
end
$$;
