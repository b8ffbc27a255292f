\echo Use "ALTER EXTENSION pgflow UPDATE TO '0.2.0'" to load this file. \quit
-- pgflow 0.1.1 -> 0.2.0: the fan-out as a managed unit. Failure policies (fanout_policy,
-- success_threshold), what a failed step does to its run (when_exhausted: fail, skip,
-- skip-cascade), leases from step timeouts (poll_for_tasks with vt NULL) and heartbeats
-- (extend_lease), deadlines (fanout_timeout, run_timeout, enforce_deadlines), capped retry delays
-- (max_delay), and redrive_run. Fixes: a base_delay large enough put retries decades away (now
-- capped by max_delay, default 300 s); two last failures in one run at once could deadlock (the
-- run lock orders them).
-- New columns go last, as in a fresh install, so both have the same row layout (tests/upgrade
-- checks that they match). Runs in flight carry on: their counters are filled in below.

alter table pgflow.flows
  add column opt_run_timeout int,
  add column opt_max_delay int not null default 300,
  add constraint flows_run_timeout_positive check (opt_run_timeout >= 1),
  add constraint flows_max_delay_nonnegative check (opt_max_delay >= 0);

alter table pgflow.steps
  add column fanout_policy text not null default 'fail_fast',
  add column success_threshold numeric,
  add column when_exhausted text not null default 'fail',
  add column opt_fanout_timeout int,
  add column opt_max_delay int,
  add constraint steps_fanout_policy_is_known check (fanout_policy in ('fail_fast', 'collect_all', 'threshold')),
  add constraint steps_fanout_policy_needs_fanout check (fanout_policy = 'fail_fast' or step_type = 'fanout'),
  add constraint steps_success_threshold_with_policy check (
    (fanout_policy = 'threshold') = (success_threshold is not null)
    and (success_threshold is null or (success_threshold > 0 and success_threshold <= 1))),
  add constraint steps_when_exhausted_is_known check (when_exhausted in ('fail', 'skip', 'skip-cascade')),
  add constraint steps_fanout_timeout_positive check (opt_fanout_timeout >= 1),
  add constraint steps_max_delay_nonnegative check (opt_max_delay >= 0);

alter table pgflow.runs
  add column error_message text,
  add column redrive_count int not null default 0;
create index runs_started_idx on pgflow.runs (flow_slug, started_at) where status = 'started';

alter table pgflow.step_states
  add column completed_tasks int not null default 0,
  add column failed_tasks int not null default 0,
  drop constraint step_states_status_is_known,
  add constraint step_states_status_is_known check (status in ('created', 'started', 'completed', 'failed', 'skipped', 'cancelled'));
create index step_states_started_idx on pgflow.step_states (flow_slug, step_slug, started_at)
  where status = 'started';

-- Counters of the steps already under way, and the reason of runs that already failed.
update pgflow.step_states ss
set completed_tasks = c.completed, failed_tasks = c.failed
from (select t.run_id, t.step_slug,
             count(*) filter (where t.status = 'completed')::int as completed,
             count(*) filter (where t.status = 'failed')::int as failed
        from pgflow.step_tasks t
       group by t.run_id, t.step_slug) c
where ss.run_id = c.run_id and ss.step_slug = c.step_slug;

update pgflow.runs r
set error_message = format('step ''%s'' failed: %s', ss.step_slug, ss.error_message)
from pgflow.step_states ss
where r.status = 'failed' and ss.run_id = r.run_id and ss.status = 'failed';

-- Functions that gained arguments are replaced: a new signature is a new function.
drop function pgflow.create_flow(text, int, int, int);
drop function pgflow.add_step(text, text, text[], int, int, int, int, text);

CREATE FUNCTION "create_flow"(
	"flow_slug" TEXT,
	"max_attempts" INT DEFAULT 3,
	"base_delay" INT DEFAULT 1,
	"timeout" INT DEFAULT 60,
	"run_timeout" INT DEFAULT NULL,
	"max_delay" INT DEFAULT 300
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
	"max_delay" INT DEFAULT NULL
) RETURNS steps
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'add_step_wrapper';

CREATE FUNCTION "extend_lease"(
	"run_id" uuid,
	"step_slug" TEXT,
	"task_index" INT,
	"seconds" INT,
	"worker_id" uuid DEFAULT NULL
) RETURNS timestamp with time zone
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'extend_lease_wrapper';

CREATE FUNCTION "redrive_run"(
	"run_id" uuid
) RETURNS runs
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'redrive_run_wrapper';

CREATE FUNCTION "enforce_deadlines"() RETURNS INT
STRICT VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, @extschema@, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'enforce_deadlines_wrapper';

-- As sql/finalize.sql sets them for a fresh install.
alter function pgflow.create_flow set plan_cache_mode = force_generic_plan;
alter function pgflow.add_step set plan_cache_mode = force_generic_plan;
alter function pgflow.extend_lease set plan_cache_mode = force_generic_plan;
alter function pgflow.redrive_run set plan_cache_mode = force_generic_plan;
alter function pgflow.enforce_deadlines set plan_cache_mode = force_generic_plan;
alter function pgflow.extend_lease set enable_seqscan = off;
alter function pgflow.enforce_deadlines set enable_seqscan = off;

revoke all on function pgflow.create_flow, pgflow.add_step, pgflow.extend_lease, pgflow.redrive_run,
  pgflow.enforce_deadlines from public;
grant execute on function pgflow.extend_lease, pgflow.enforce_deadlines to pgflow_worker;
grant execute on function pgflow.create_flow, pgflow.add_step, pgflow.extend_lease, pgflow.redrive_run,
  pgflow.enforce_deadlines to pgflow_admin;
