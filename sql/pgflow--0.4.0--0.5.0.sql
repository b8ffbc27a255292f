\echo Use "ALTER EXTENSION pgflow UPDATE TO '0.5.0'" to load this file. \quit
-- pgflow 0.4.0 -> 0.5.0: shapes of fan-out.
-- Sub-flows: add_step's subflow makes a fan-out whose items are child runs of another flow, to any
-- depth; runs gain parent_run_id, parent_step_slug, parent_task_index and root_run_id, and
-- run_tree(root_run_id) lists a tree; list_runs pages through top-level runs. A tree shares its root's lock (runs in flight are their own
-- roots, so their lock is the one they held).
-- Concurrency caps: add_step's and create_flow's max_concurrency. Item batches: add_step's
-- batch_size (step_tasks.first_index marks a batch). Priorities: start_flow's priority (runs and
-- step_tasks.priority) and fair claims; the queue index is now per step and priority, so claims
-- read it lane by lane. Step-targeted claims: poll_for_tasks' step_slugs and
-- complete_tasks_and_poll's poll_step_slugs.
-- Runs in flight carry on: their tasks get priority 0, and each run is the root of its own tree.

alter table pgflow.flows
  add column max_concurrency int,
  add constraint flows_max_concurrency_positive check (max_concurrency >= 1);

alter table pgflow.steps
  add column max_concurrency int,
  add constraint steps_max_concurrency_positive check (max_concurrency >= 1),
  add constraint steps_max_concurrency_needs_fanout check (max_concurrency is null or step_type = 'fanout'),
  add column batch_size int,
  add constraint steps_batch_size_positive check (batch_size >= 1),
  add constraint steps_batch_size_needs_fanout check (batch_size is null or step_type = 'fanout'),
  add column subflow text,
  add constraint steps_subflow_needs_fanout check (subflow is null or step_type = 'fanout'),
  add constraint steps_subflow_alone check (subflow is null or (max_concurrency is null and batch_size is null));

alter table pgflow.runs
  add column priority int not null default 0,
  add column parent_run_id uuid,
  add column parent_step_slug text,
  add column parent_task_index int,
  add column root_run_id uuid;
update pgflow.runs set root_run_id = run_id;
alter table pgflow.runs alter column root_run_id set not null;
create index runs_parent_idx on pgflow.runs (parent_run_id, parent_step_slug, parent_task_index)
  where parent_run_id is not null;
create index runs_root_idx on pgflow.runs (root_run_id) where parent_run_id is not null;
create index runs_list_idx on pgflow.runs (flow_slug, status, started_at, run_id) where parent_run_id is null;

alter table pgflow.step_tasks
  add column priority int not null default 0,
  add column first_index int;
drop index pgflow.step_tasks_queued_idx;
create index step_tasks_queued_idx on pgflow.step_tasks (flow_slug, step_slug, priority desc, visible_at, task_index)
  where status = 'queued';
create index step_tasks_waiting_idx on pgflow.step_tasks (run_id, step_slug, task_index)
  where status = 'queued' and visible_at = 'infinity';

-- Functions that gained arguments: a new signature is a new function.
drop function pgflow.create_flow(text, int, int, int, int, int);
drop function pgflow.add_step(text, text, text[], int, int, int, int, text, text, numeric, text, int, int, boolean,
                              jsonb, jsonb, text, text);
drop function pgflow.start_flow(text, jsonb, uuid, text);
drop function pgflow.poll_for_tasks(text, int, int, int, int, uuid);
drop function pgflow.complete_tasks_and_poll(uuid[], text[], int[], jsonb[], text, int, int, uuid);

CREATE FUNCTION "create_flow"(
	"flow_slug" TEXT,
	"max_attempts" INT DEFAULT 3,
	"base_delay" INT DEFAULT 1,
	"timeout" INT DEFAULT 60,
	"run_timeout" INT DEFAULT NULL,
	"max_delay" INT DEFAULT 300,
	"max_concurrency" INT DEFAULT NULL
) RETURNS flows
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'create_flow_wrapper';

CREATE FUNCTION "add_step"(
	"flow_slug" TEXT,
	"step_slug" TEXT,
	"deps_slugs" TEXT[] DEFAULT '{}',
	"max_attempts" INT DEFAULT NULL,
	"base_delay" INT DEFAULT NULL,
	"timeout" INT DEFAULT NULL,
	"start_delay" INT DEFAULT NULL,
	"step_type" TEXT DEFAULT 'single',
	"fanout_policy" TEXT DEFAULT 'fail_fast',
	"success_threshold" NUMERIC DEFAULT NULL,
	"when_exhausted" TEXT DEFAULT 'fail',
	"fanout_timeout" INT DEFAULT NULL,
	"max_delay" INT DEFAULT NULL,
	"aggregate" bool DEFAULT true,
	"required_input_pattern" jsonb DEFAULT NULL,
	"forbidden_input_pattern" jsonb DEFAULT NULL,
	"when_unmet" TEXT DEFAULT 'skip',
	"fanout_path" TEXT DEFAULT NULL,
	"max_concurrency" INT DEFAULT NULL,
	"batch_size" INT DEFAULT NULL,
	"subflow" TEXT DEFAULT NULL
) RETURNS steps
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'add_step_wrapper';

CREATE FUNCTION "start_flow"(
	"flow_slug" TEXT,
	"input" jsonb,
	"run_id" uuid DEFAULT NULL,
	"run_key" TEXT DEFAULT NULL,
	"priority" INT DEFAULT 0
) RETURNS runs
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'start_flow_wrapper';

CREATE FUNCTION "poll_for_tasks"(
	"queue_name" TEXT,
	"vt" INT,
	"qty" INT,
	"max_poll_seconds" INT DEFAULT 5,
	"poll_interval_ms" INT DEFAULT 100,
	"worker_id" uuid DEFAULT NULL,
	"step_slugs" TEXT[] DEFAULT NULL
) RETURNS SETOF step_task_record
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'poll_for_tasks_wrapper';

CREATE FUNCTION "complete_tasks_and_poll"(
	"run_ids" uuid[],
	"step_slugs" text[],
	"task_indexes" int[],
	"outputs" jsonb[],
	"queue_name" TEXT,
	"vt" INT,
	"qty" INT,
	"worker_id" uuid DEFAULT NULL,
	"poll_step_slugs" TEXT[] DEFAULT NULL
) RETURNS SETOF step_task_record
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'complete_tasks_and_poll_wrapper';

CREATE FUNCTION "run_tree"(
	"root_run_id" uuid
) RETURNS TABLE (
	"run_id" uuid,
	"parent_run_id" uuid,
	"depth" INT,
	"flow_slug" TEXT,
	"status" TEXT,
	"parent_step_slug" TEXT,
	"parent_task_index" INT,
	"total_tasks" bigint,
	"completed_tasks" bigint,
	"failed_tasks" bigint
)
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'run_tree_wrapper';

CREATE FUNCTION "list_runs"(
	"flow_slug" TEXT DEFAULT NULL,
	"status" TEXT DEFAULT NULL,
	"started_since" timestamp with time zone DEFAULT NULL,
	"max_rows" INT DEFAULT 50,
	"before_run_id" uuid DEFAULT NULL
) RETURNS TABLE (
	"run_id" uuid,
	"flow_slug" TEXT,
	"status" TEXT,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"remaining_steps" INT,
	"error_message" TEXT,
	"priority" INT,
	"run_key" TEXT,
	"redrive_count" INT
)
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'list_runs_wrapper';

-- The settings and privileges finalize.sql gives them.
alter function pgflow.create_flow set plan_cache_mode = force_generic_plan;
alter function pgflow.add_step set plan_cache_mode = force_generic_plan;
alter function pgflow.start_flow set plan_cache_mode = force_generic_plan;
alter function pgflow.poll_for_tasks set plan_cache_mode = force_generic_plan;
alter function pgflow.complete_tasks_and_poll set plan_cache_mode = force_generic_plan;
alter function pgflow.run_tree set plan_cache_mode = force_generic_plan;
alter function pgflow.list_runs set plan_cache_mode = force_generic_plan;
alter function pgflow.poll_for_tasks set enable_seqscan = off;
alter function pgflow.complete_tasks_and_poll set enable_seqscan = off;
alter function pgflow.run_tree set enable_seqscan = off;
alter function pgflow.list_runs set enable_seqscan = off;
revoke all on function pgflow.create_flow, pgflow.add_step, pgflow.start_flow, pgflow.poll_for_tasks,
  pgflow.complete_tasks_and_poll, pgflow.run_tree, pgflow.list_runs from public;
grant execute on function pgflow.poll_for_tasks, pgflow.complete_tasks_and_poll to pgflow_worker;
grant execute on function pgflow.create_flow, pgflow.add_step, pgflow.start_flow, pgflow.poll_for_tasks,
  pgflow.complete_tasks_and_poll, pgflow.run_tree, pgflow.list_runs to pgflow_admin;
