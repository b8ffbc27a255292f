\echo Use "ALTER EXTENSION pgflow UPDATE TO '0.1.1'" to load this file. \quit
-- pgflow 0.1.0 -> 0.1.1: claim ownership (worker_id), idempotent starts (run_key), cancel_run,
-- verify_run, and the pgflow_worker / pgflow_admin roles. New columns go last, as in a fresh
-- install, so both have the same row layout (tests/upgrade checks that they match).

alter table pgflow.runs
  add column run_key text,
  add column cancelled_at timestamptz,
  drop constraint runs_status_is_known,
  add constraint runs_status_is_known check (status in ('started', 'completed', 'failed', 'cancelled'));
create unique index runs_flow_slug_run_key_key on pgflow.runs (flow_slug, run_key) where run_key is not null;

alter table pgflow.step_states
  drop constraint step_states_status_is_known,
  add constraint step_states_status_is_known check (status in ('created', 'started', 'completed', 'failed', 'cancelled'));

alter table pgflow.step_tasks add column worker_id uuid;

-- Functions that gained an argument are replaced: a new signature is a new function.
drop function pgflow.poll_for_tasks(text, int, int, int, int);
drop function pgflow.complete_task(uuid, text, int, jsonb);
drop function pgflow.complete_tasks(uuid[], text[], int[], jsonb[]);
drop function pgflow.fail_task(uuid, text, int, text);
drop function pgflow.fail_tasks(uuid[], text[], int[], text[]);
drop function pgflow.start_flow(text, jsonb, uuid);

CREATE FUNCTION "poll_for_tasks"(
	"queue_name" TEXT,
	"vt" INT,
	"qty" INT,
	"max_poll_seconds" INT DEFAULT 5,
	"poll_interval_ms" INT DEFAULT 100,
	"worker_id" uuid DEFAULT NULL
) RETURNS SETOF step_task_record
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'poll_for_tasks_wrapper';

CREATE FUNCTION "complete_task"(
	"run_id" uuid,
	"step_slug" TEXT,
	"task_index" INT,
	"output" jsonb,
	"worker_id" uuid DEFAULT NULL
) RETURNS SETOF step_tasks
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'complete_task_wrapper';

CREATE FUNCTION "complete_tasks"(
	"run_ids" uuid[],
	"step_slugs" text[],
	"task_indexes" int[],
	"outputs" jsonb[],
	"worker_id" uuid DEFAULT NULL
) RETURNS SETOF step_tasks
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'complete_tasks_wrapper';

CREATE FUNCTION "fail_task"(
	"run_id" uuid,
	"step_slug" TEXT,
	"task_index" INT,
	"error_message" TEXT,
	"worker_id" uuid DEFAULT NULL
) RETURNS SETOF step_tasks
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'fail_task_wrapper';

CREATE FUNCTION "fail_tasks"(
	"run_ids" uuid[],
	"step_slugs" text[],
	"task_indexes" int[],
	"error_messages" text[],
	"worker_id" uuid DEFAULT NULL
) RETURNS SETOF step_tasks
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'fail_tasks_wrapper';

CREATE FUNCTION "start_flow"(
	"flow_slug" TEXT,
	"input" jsonb,
	"run_id" uuid DEFAULT NULL,
	"run_key" TEXT DEFAULT NULL
) RETURNS runs
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'start_flow_wrapper';

CREATE FUNCTION "cancel_run"(
	"run_id" uuid
) RETURNS runs
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'cancel_run_wrapper';

CREATE FUNCTION "verify_run"(
	"run_id" uuid
) RETURNS TABLE (
	"subject" TEXT, 
	"what" TEXT, 
	"stored" TEXT, 
	"expected" TEXT 
)
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'verify_run_wrapper';


alter function pgflow.poll_for_tasks set plan_cache_mode = force_generic_plan;
alter function pgflow.complete_task set plan_cache_mode = force_generic_plan;
alter function pgflow.complete_tasks set plan_cache_mode = force_generic_plan;
alter function pgflow.fail_task set plan_cache_mode = force_generic_plan;
alter function pgflow.fail_tasks set plan_cache_mode = force_generic_plan;
alter function pgflow.start_flow set plan_cache_mode = force_generic_plan;
alter function pgflow.cancel_run set plan_cache_mode = force_generic_plan;
alter function pgflow.verify_run set plan_cache_mode = force_generic_plan;

-- The queue's size swings from empty to millions of rows within one backend's life, and every
-- plan is kept for that life: a plan made while step_tasks was nearly empty (a sequential scan)
-- would still run when it holds millions, one full scan per claim. Every query of the task
-- functions has an index that serves it at any size, so they never scan sequentially.
alter function pgflow.poll_for_tasks set enable_seqscan = off;
alter function pgflow.complete_task set enable_seqscan = off;
alter function pgflow.complete_tasks set enable_seqscan = off;
alter function pgflow.fail_task set enable_seqscan = off;
alter function pgflow.fail_tasks set enable_seqscan = off;

-- Least privilege. pgflow_worker may claim, complete and fail tasks and nothing else: no table
-- privilege, EXECUTE on the task functions only (they are SECURITY DEFINER, see src/api/tasks.rs).
-- pgflow_admin defines flows and starts, cancels and inspects runs. Roles belong to the cluster,
-- so they are created only when missing and outlive the extension.
do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'pgflow_worker') then
    create role pgflow_worker nologin;
  end if;
  if not exists (select from pg_catalog.pg_roles where rolname = 'pgflow_admin') then
    create role pgflow_admin nologin;
  end if;
end
$$;
revoke all on all functions in schema pgflow from public;
grant usage on schema pgflow to pgflow_worker, pgflow_admin;
grant execute on function pgflow.poll_for_tasks, pgflow.complete_task, pgflow.complete_tasks,
  pgflow.fail_task, pgflow.fail_tasks to pgflow_worker;
grant execute on all functions in schema pgflow to pgflow_admin;
grant select, insert, update, delete on all tables in schema pgflow to pgflow_admin;
grant usage, select on sequence pgflow.step_tasks_msg_id_seq to pgflow_admin;
