\echo Use "ALTER EXTENSION pgflow UPDATE TO '0.4.0'" to load this file. \quit
-- pgflow 0.3.0 -> 0.4.0: definitions users can trust, and names shared with pgflow.
-- create_flow and add_step refuse a different re-definition of an existing flow or step (42710,
-- each difference named) instead of returning the old one silently. flow_shape,
-- compare_flow_shape, ensure_flow_compiled (pgflow's FlowShape JSON) and delete_flow.
-- Path fan-out: add_step's fanout_path fans out over a field of the source ('items', 'page.rows').
-- Conditions (pgflow's): add_step gains required_input_pattern, forbidden_input_pattern and
-- when_unmet; a step whose input does not meet them is skipped, skips what follows, or fails the run.
-- complete_tasks_and_poll answers a batch and claims the next in one call and one transaction.
-- step_tasks.msg_id is message_id, as pgflow names it; step_task_record gains flow_input (the run
-- input, for single steps). The internal SQL helpers leave the API: batch arrays are checked in
-- Rust on their headers (no query per batch), notifications and aggregation are inline in the
-- statements that use them.
-- Queue tables get storage settings for a queue (autovacuum, fillfactor).
-- Runs in flight carry on: the renamed column keeps its place and its values.

alter table pgflow.step_tasks rename column msg_id to message_id;
alter sequence pgflow.step_tasks_msg_id_seq rename to step_tasks_message_id_seq;
alter table pgflow.step_tasks alter column message_id set default nextval('pgflow.step_tasks_message_id_seq');
alter type pgflow.step_task_record add attribute flow_input jsonb;

-- Queue storage (see sql/schema.sql). A new fillfactor applies to pages written from now on.
alter table pgflow.step_tasks set (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
alter table pgflow.step_states set (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
alter table pgflow.runs set (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);

alter table pgflow.steps
  add column required_input_pattern jsonb,
  add column forbidden_input_pattern jsonb,
  add column when_unmet text not null default 'skip',
  add constraint steps_when_unmet_is_known check (when_unmet in ('skip', 'skip-cascade', 'fail')),
  add column fanout_path text,
  add constraint steps_fanout_path_needs_fanout check (fanout_path is null or step_type = 'fanout');

-- add_step gained arguments: a new signature is a new function.
drop function pgflow.add_step(text, text, text[], int, int, int, int, text, text, numeric, text, int, int, boolean);
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
	"fanout_path" TEXT DEFAULT NULL
) RETURNS steps
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'add_step_wrapper';
alter function pgflow.add_step set plan_cache_mode = force_generic_plan;
revoke all on function pgflow.add_step from public;
grant execute on function pgflow.add_step to pgflow_admin;

drop function pgflow.task_batch_null_problem(uuid[], text[], int[], anyarray);
drop function pgflow.task_batch_length_problem(uuid[], text[], int[], anyarray);
drop function pgflow.notify_status(uuid, text, text, text);
drop function pgflow.aggregated_output(uuid, text, boolean);

CREATE FUNCTION "flow_shape"(
	"flow_slug" TEXT
) RETURNS jsonb
STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'flow_shape_wrapper';

CREATE FUNCTION "compare_flow_shape"(
	"flow_slug" TEXT,
	"shape" jsonb
) RETURNS jsonb
STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'compare_flow_shape_wrapper';

CREATE FUNCTION "ensure_flow_compiled"(
	"flow_slug" TEXT,
	"shape" jsonb,
	"allow_replace" bool DEFAULT false
) RETURNS jsonb
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'ensure_flow_compiled_wrapper';

CREATE FUNCTION "delete_flow"(
	"flow_slug" TEXT
) RETURNS VOID
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'delete_flow_wrapper';

CREATE FUNCTION "complete_tasks_and_poll"(
	"run_ids" uuid[],
	"step_slugs" text[],
	"task_indexes" int[],
	"outputs" jsonb[],
	"queue_name" TEXT,
	"vt" INT,
	"qty" INT,
	"worker_id" uuid DEFAULT NULL
) RETURNS SETOF step_task_record
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'complete_tasks_and_poll_wrapper';
alter function pgflow.complete_tasks_and_poll set plan_cache_mode = force_generic_plan;
alter function pgflow.complete_tasks_and_poll set enable_seqscan = off;

revoke all on function pgflow.complete_tasks_and_poll from public;
grant execute on function pgflow.complete_tasks_and_poll to pgflow_worker, pgflow_admin;
revoke all on function pgflow.flow_shape, pgflow.compare_flow_shape, pgflow.ensure_flow_compiled,
  pgflow.delete_flow from public;
grant execute on function pgflow.flow_shape, pgflow.compare_flow_shape to pgflow_worker;
grant execute on function pgflow.flow_shape, pgflow.compare_flow_shape, pgflow.ensure_flow_compiled,
  pgflow.delete_flow to pgflow_admin;
