\echo Use "ALTER EXTENSION pgflow UPDATE TO '0.11.0'" to load this file. \quit
-- pgflow 0.10.0 -> 0.11.0: the Citus mode's second step (docs/citus.md). In the schema, one
-- trigger function (the last point below); the rest is in the library, the statements it runs
-- (CHANGELOG.md):
-- - no volatile function inside an UPDATE or DELETE of a run table (Citus refuses them): the
--   clock is read by the engine and passed in, result numbers are taken in the SELECT that locks
--   the tasks, and the results' horizon reads the sequence through a function;
-- - a keyed start's run id derives from its flow and key (a name-based UUID), so that the run's
--   primary key keeps one run per key on every node. A keyed run started under 0.10.0 has a random
--   id and is still found by its key (runs_flow_slug_run_key_key, which stays on one node);
-- - run-scoped statements name the run for every table they read, so that Citus routes them to
--   the run's shard.
-- - the deferred check of step_states (initial_tasks_known_when_started) reads the table it fires
--   on by its name: in the Citus mode, the row's shard (a query of step_states from a shard failed).
-- - on PostgreSQL 18 and later, which names NOT NULL constraints, step_tasks.message_id's keeps
--   the name of the column 0.3.0 renamed (msg_id): renamed as a fresh install names it (the
--   first release built for 18 is this one, so only a database upgraded through the scripts on 18
--   from an older version's script has it).
-- - the dashboard's reads (README, "Watching and waiting"): child_runs and child_run_counts (a
--   run's children a page at a time), failure_groups and failed_items (failed items by error, a
--   page at a time), inspect_task (one task: input, output, attempts), step_timeline (how a step's
--   tasks finished over time) and runs_by_key; step_tasks keeps the errors of a task's failed
--   attempts (attempt_errors, a new column: NULL for the tasks of before, as for a task that never
--   failed), and a new index of the failed tasks (step_tasks_failed_idx: built at the upgrade, it
--   reads step_tasks once) serves failure_groups and failed_items.
-- Runs in flight carry on: every row keeps its meaning.

alter table pgflow.step_tasks add column attempt_errors jsonb;
create index step_tasks_failed_idx on pgflow.step_tasks (run_id, step_slug, task_index)
  where status = 'failed';

do $$
begin
  if exists (select from pg_catalog.pg_constraint
              where conrelid = 'pgflow.step_tasks'::regclass and conname = 'step_tasks_msg_id_not_null') then
    alter table pgflow.step_tasks rename constraint step_tasks_msg_id_not_null to step_tasks_message_id_not_null;
  end if;
end
$$;

create or replace function pgflow._initial_tasks_known_when_started() returns trigger
language plpgsql
set search_path = pg_catalog, pgflow, pg_temp
as $$
declare
  unknown boolean;
begin
  -- The table the trigger fires on, by name: step_states, or in the Citus mode the shard of it
  -- the row is in (a query of step_states there would go through Citus, from inside a shard).
  execute format('select exists (select from %I.%I ss where ss.run_id = $1 and ss.step_slug = $2'
                 ' and ss.status = ''started'' and ss.initial_tasks is null)', tg_table_schema, tg_table_name)
    into unknown using new.run_id, new.step_slug;
  if unknown then
    raise exception 'step ''%'' of run % is started without initial_tasks', new.step_slug, new.run_id
      using errcode = 'check_violation', constraint = 'initial_tasks_known_when_started',
            table = 'step_states', schema = 'pgflow';
  end if;
  return null;
end
$$;

-- new: child_run_counts(uuid)
CREATE FUNCTION "child_run_counts"(
	"parent_run_id" uuid
) RETURNS TABLE (
	"status" TEXT,
	"runs" bigint
)
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'child_run_counts_wrapper';

-- new: child_runs(uuid, TEXT, uuid, INT)
CREATE FUNCTION "child_runs"(
	"parent_run_id" uuid,
	"status" TEXT DEFAULT NULL,
	"after_run_id" uuid DEFAULT NULL,
	"max_rows" INT DEFAULT 50
) RETURNS TABLE (
	"run_id" uuid,
	"flow_slug" TEXT,
	"status" TEXT,
	"parent_step_slug" TEXT,
	"parent_task_index" INT,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"error_message" TEXT,
	"total_tasks" bigint,
	"completed_tasks" bigint,
	"failed_tasks" bigint
)
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'child_runs_wrapper';

-- new: failed_items(uuid, TEXT, TEXT, INT, INT)
CREATE FUNCTION "failed_items"(
	"run_id" uuid,
	"step_slug" TEXT,
	"error_message" TEXT DEFAULT NULL,
	"after_task_index" INT DEFAULT -1,
	"max_rows" INT DEFAULT 50
) RETURNS TABLE (
	"task_index" INT,
	"error_message" TEXT,
	"attempts_count" INT,
	"failed_at" timestamp with time zone
)
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'failed_items_wrapper';

-- new: failure_groups(uuid, TEXT, INT)
CREATE FUNCTION "failure_groups"(
	"run_id" uuid,
	"step_slug" TEXT,
	"max_groups" INT DEFAULT 20
) RETURNS TABLE (
	"error_message" TEXT,
	"items" bigint,
	"first_task_index" INT,
	"last_failed_at" timestamp with time zone
)
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'failure_groups_wrapper';

-- new: inspect_task(uuid, TEXT, INT)
CREATE FUNCTION "inspect_task"(
	"run_id" uuid,
	"step_slug" TEXT,
	"task_index" INT
) RETURNS TABLE (
	"flow_slug" TEXT,
	"status" TEXT,
	"input" jsonb,
	"output" jsonb,
	"error_message" TEXT,
	"attempts_count" INT,
	"attempt_errors" jsonb,
	"worker_id" uuid,
	"queued_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"lease_until" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"failed_at" timestamp with time zone,
	"first_index" INT
)
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'inspect_task_wrapper';

-- new: runs_by_key(TEXT, INT)
CREATE FUNCTION "runs_by_key"(
	"run_key" TEXT,
	"max_rows" INT DEFAULT 50
) RETURNS TABLE (
	"run_id" uuid,
	"flow_slug" TEXT,
	"status" TEXT,
	"started_at" timestamp with time zone
)
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'runs_by_key_wrapper';

-- new: step_timeline(uuid, TEXT, INT)
CREATE FUNCTION "step_timeline"(
	"run_id" uuid,
	"step_slug" TEXT,
	"buckets" INT DEFAULT 60
) RETURNS TABLE (
	"bucket" INT,
	"bucket_start" timestamp with time zone,
	"bucket_end" timestamp with time zone,
	"completed" bigint,
	"failed" bigint,
	"every_nth" INT
)
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'step_timeline_wrapper';

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
