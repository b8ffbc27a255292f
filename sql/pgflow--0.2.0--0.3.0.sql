\echo Use "ALTER EXTENSION pgflow UPDATE TO '0.3.0'" to load this file. \quit
-- pgflow 0.2.0 -> 0.3.0: watching and waiting. progress (per step, from counters), stats (per
-- flow), read_results (a step's results in the order they finished, from a cursor, while the
-- fan-out runs), aggregate => false (a fan-out's output is a summary; its items stay in its
-- tasks), wait_for_run (sleeps on the latch; the session ending the run wakes it), NOTIFY pgflow
-- at every run and step end, repair_run (counters and statuses set from the tasks), prune_runs.
-- Fixes: verify_run computed a fan-out's expected output with its own copy of finish_step's
-- aggregation (both now call aggregated_output).
-- New columns go last, as in a fresh install. Runs in flight carry on: tasks that already
-- finished are numbered below, in the order they finished, so read_results sees them too.

alter table pgflow.steps
  add column aggregate boolean not null default true,
  add constraint steps_aggregate_needs_fanout check (aggregate or step_type = 'fanout');

alter table pgflow.step_tasks add column result_seq bigint;
create sequence pgflow.step_tasks_result_seq as bigint owned by pgflow.step_tasks.result_seq;
select pg_catalog.pg_extension_config_dump('pgflow.step_tasks_result_seq', '');

with finished as (
  select t.run_id, t.step_slug, t.task_index,
         row_number() over (order by coalesce(t.completed_at, t.failed_at, t.started_at, t.queued_at),
                                     t.run_id, t.step_slug, t.task_index) as seq
  from pgflow.step_tasks t
  where t.status in ('completed', 'failed', 'cancelled')
)
update pgflow.step_tasks t
set result_seq = f.seq
from finished f
where t.run_id = f.run_id and t.step_slug = f.step_slug and t.task_index = f.task_index;
select setval('pgflow.step_tasks_result_seq', coalesce(max(result_seq), 0) + 1, false) from pgflow.step_tasks;

create index step_tasks_results_idx on pgflow.step_tasks (run_id, step_slug, result_seq)
  where result_seq is not null;
create index runs_finished_idx on pgflow.runs (flow_slug, (coalesce(completed_at, failed_at, cancelled_at)))
  where status <> 'started';

-- What the engine tells listeners when a run (step_slug NULL) or a step reaches a terminal state:
-- NOTIFY pgflow, '{"run_id", "flow_slug", "step_slug", "status"}', delivered at commit.
create function pgflow.notify_status(run_id uuid, flow_slug text, step_slug text, status text)
returns void
language sql volatile parallel unsafe
set search_path = pg_catalog, pg_temp
as $$
  select pg_notify('pgflow', json_build_object('run_id', run_id, 'flow_slug', flow_slug,
                                               'step_slug', step_slug, 'status', status)::text)
$$;

-- A fan-out's tasks as one array in task_index order: their outputs, or with `envelopes` (the
-- collect_all and threshold policies) {"ok": true, "value": ...} or {"ok": false, "error": ...,
-- "attempts": n} per task. The output finish_step stores, and what verify_run and repair_run
-- expect of a completed step.
create function pgflow.aggregated_output(run_id uuid, step_slug text, envelopes boolean)
returns jsonb
language sql stable strict parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(
    case when envelopes
      then jsonb_agg(case when t.status = 'completed'
                          then jsonb_build_object('ok', true, 'value', t.output)
                          else jsonb_build_object('ok', false, 'error', t.error_message,
                                                  'attempts', t.attempts_count) end
                     order by t.task_index)
      else jsonb_agg(t.output order by t.task_index) end,
    '[]'::jsonb)
  from pgflow.step_tasks t
  where t.run_id = aggregated_output.run_id and t.step_slug = aggregated_output.step_slug
$$;

-- add_step gained an argument: a new signature is a new function.
drop function pgflow.add_step(text, text, text[], int, int, int, int, text, text, numeric, text, int, int);

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
	"aggregate" bool DEFAULT true
) RETURNS steps
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'add_step_wrapper';

CREATE FUNCTION "progress"(
	"run_id" uuid
) RETURNS TABLE (
	"step_slug" TEXT,
	"step_type" TEXT,
	"status" TEXT,
	"total" INT,
	"queued" INT,
	"running" INT,
	"completed" INT,
	"failed" INT,
	"cancelled" INT,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"tasks_per_second" NUMERIC,
	"eta" interval
)
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'progress_wrapper';

CREATE FUNCTION "stats"(
	"flow_slug" TEXT DEFAULT NULL
) RETURNS TABLE (
	"flow_slug" TEXT,
	"active_runs" bigint,
	"waiting_runs" bigint,
	"active_fanouts" bigint,
	"queued_tasks" bigint,
	"running_tasks" bigint,
	"oldest_queued_age" interval,
	"completed_last_minute" bigint,
	"failed_last_minute" bigint,
	"runs_completed_last_hour" bigint,
	"runs_failed_last_hour" bigint
)
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'stats_wrapper';

CREATE FUNCTION "read_results"(
	"run_id" uuid,
	"step_slug" TEXT,
	"after_seq" bigint DEFAULT 0,
	"max_rows" INT DEFAULT 1000
) RETURNS TABLE (
	"seq" bigint,
	"task_index" INT,
	"status" TEXT,
	"output" jsonb,
	"error_message" TEXT
)
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'read_results_wrapper';

CREATE FUNCTION "wait_for_run"(
	"run_id" uuid,
	"timeout_ms" INT DEFAULT 30000
) RETURNS runs
VOLATILE PARALLEL RESTRICTED
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wait_for_run_wrapper';

CREATE FUNCTION "repair_run"(
	"run_id" uuid
) RETURNS TABLE (
	"subject" TEXT,
	"what" TEXT,
	"was" TEXT,
	"now" TEXT
)
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'repair_run_wrapper';

CREATE FUNCTION "prune_runs"(
	"older_than" interval,
	"flow_slug" TEXT DEFAULT NULL,
	"max_runs" INT DEFAULT 1000
) RETURNS bigint
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'prune_runs_wrapper';

-- As sql/finalize.sql sets them for a fresh install.
alter function pgflow.add_step set plan_cache_mode = force_generic_plan;
alter function pgflow.progress set plan_cache_mode = force_generic_plan;
alter function pgflow.stats set plan_cache_mode = force_generic_plan;
alter function pgflow.read_results set plan_cache_mode = force_generic_plan;
alter function pgflow.wait_for_run set plan_cache_mode = force_generic_plan;
alter function pgflow.repair_run set plan_cache_mode = force_generic_plan;
alter function pgflow.prune_runs set plan_cache_mode = force_generic_plan;
alter function pgflow.progress set enable_seqscan = off;
alter function pgflow.stats set enable_seqscan = off;
alter function pgflow.read_results set enable_seqscan = off;
alter function pgflow.wait_for_run set enable_seqscan = off;
alter function pgflow.prune_runs set enable_seqscan = off;

revoke all on function pgflow.add_step, pgflow.progress, pgflow.stats, pgflow.read_results, pgflow.wait_for_run,
  pgflow.repair_run, pgflow.prune_runs, pgflow.notify_status, pgflow.aggregated_output from public;
grant execute on function pgflow.add_step, pgflow.progress, pgflow.stats, pgflow.read_results, pgflow.wait_for_run,
  pgflow.repair_run, pgflow.prune_runs, pgflow.notify_status, pgflow.aggregated_output to pgflow_admin;
grant usage, select on sequence pgflow.step_tasks_result_seq to pgflow_admin;
