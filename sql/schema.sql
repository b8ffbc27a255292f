\echo Use "CREATE EXTENSION pgflow" to load this file. \quit
-- pgflow schema: definitions (flows, steps, deps) and execution state (runs, step_states, step_tasks).
-- step_tasks is the queue: workers claim rows from it directly, there is no separate message table.

-- Slug rule shared by flows and steps; 'run' is reserved because single-step payloads use it as a key.
create domain pgflow.slug as text
  constraint slug_is_valid check (
    value ~ '^[a-zA-Z_][a-zA-Z0-9_]*$' and length(value) <= 128 and value <> 'run'
  );

create table pgflow.flows (
  flow_slug        pgflow.slug not null,
  opt_max_attempts int not null default 3,
  opt_base_delay   int not null default 5,
  opt_timeout      int not null default 60,
  created_at       timestamptz not null default now(),
  constraint flows_pkey primary key (flow_slug),
  -- 0, as in pgflow: no retry (the first failure is the last), the same as 1.
  constraint flows_max_attempts_nonnegative check (opt_max_attempts >= 0),
  constraint flows_base_delay_nonnegative check (opt_base_delay >= 0),
  -- Added in 0.2.0, last so that a fresh install and an upgraded one have the same row layout.
  -- A run not finished this many seconds after it started fails (NULL: no deadline).
  opt_run_timeout  int,
  -- The longest retry delay, in seconds, whatever base_delay * 2^(attempt - 1) says.
  opt_max_delay    int not null default 300,
  constraint flows_timeout_positive check (opt_timeout >= 1),
  constraint flows_run_timeout_positive check (opt_run_timeout >= 1),
  constraint flows_max_delay_nonnegative check (opt_max_delay >= 0),
  -- Added in 0.5.0 (last, as above). At most this many tasks of the flow, across all its runs,
  -- are leased at a time (NULL: no cap).
  max_concurrency  int,
  constraint flows_max_concurrency_positive check (max_concurrency >= 1)
);

create table pgflow.steps (
  flow_slug        pgflow.slug not null,
  step_slug        pgflow.slug not null,
  step_type        text not null default 'single',
  step_index       int not null,
  deps_count       int not null default 0,
  opt_max_attempts int,
  opt_base_delay   int,
  opt_timeout      int,
  opt_start_delay  int,
  created_at       timestamptz not null default now(),
  constraint steps_pkey primary key (flow_slug, step_slug),
  constraint steps_step_index_key unique (flow_slug, step_index),
  constraint steps_flow_slug_fkey foreign key (flow_slug) references pgflow.flows (flow_slug),
  constraint steps_step_type_is_known check (step_type in ('single', 'fanout')),
  constraint steps_fanout_has_at_most_one_dep check (step_type <> 'fanout' or deps_count <= 1),
  constraint steps_deps_count_nonnegative check (deps_count >= 0),
  constraint steps_max_attempts_nonnegative check (opt_max_attempts >= 0),
  constraint steps_base_delay_nonnegative check (opt_base_delay >= 0),
  constraint steps_timeout_positive check (opt_timeout >= 1),
  -- Added in 0.2.0 (last, as above). What a fan-out does when some of its tasks fail: fail_fast
  -- fails the step at the first exhausted task; collect_all lets every task finish and outputs
  -- envelopes; threshold does too but fails the step once more than floor(N * (1 - success_threshold))
  -- tasks have failed.
  fanout_policy      text not null default 'fail_fast',
  success_threshold  numeric,
  -- What a failed step does to its run: fail it, skip the step, or skip it and all its dependents.
  when_exhausted     text not null default 'fail',
  -- Seconds from the step's start after which its unfinished tasks are cancelled.
  opt_fanout_timeout int,
  opt_max_delay      int,
  constraint steps_start_delay_nonnegative check (opt_start_delay >= 0),
  constraint steps_fanout_policy_is_known check (fanout_policy in ('fail_fast', 'collect_all', 'threshold')),
  constraint steps_fanout_policy_needs_fanout check (fanout_policy = 'fail_fast' or step_type = 'fanout'),
  constraint steps_success_threshold_with_policy check (
    (fanout_policy = 'threshold') = (success_threshold is not null)
    and (success_threshold is null or (success_threshold > 0 and success_threshold <= 1))),
  constraint steps_when_exhausted_is_known check (when_exhausted in ('fail', 'skip', 'skip-cascade')),
  constraint steps_fanout_timeout_positive check (opt_fanout_timeout >= 1),
  constraint steps_max_delay_nonnegative check (opt_max_delay >= 0),
  -- Added in 0.3.0 (last, as above). false: the fan-out's output is a summary
  -- {"total", "completed", "failed"} and its items are read with read_results.
  aggregate          boolean not null default true,
  constraint steps_aggregate_needs_fanout check (aggregate or step_type = 'fanout'),
  -- Added in 0.4.0 (last, as above). A condition on the step's input, {"run", <dependencies>}
  -- as a single step sees it (once, for a fan-out): the step runs only if its input contains
  -- required_input_pattern (@>) and does not contain forbidden_input_pattern; otherwise
  -- when_unmet: skip it, skip it and everything downstream of it, or fail the run.
  required_input_pattern  jsonb,
  forbidden_input_pattern jsonb,
  when_unmet              text not null default 'skip',
  constraint steps_when_unmet_is_known check (when_unmet in ('skip', 'skip-cascade', 'fail')),
  -- A fan-out over a field of its source (the dependency's output, or the run input), as a dotted
  -- path ('items', 'page.rows') instead of over the source itself.
  fanout_path             text,
  constraint steps_fanout_path_needs_fanout check (fanout_path is null or step_type = 'fanout'),
  -- Added in 0.5.0 (last, as above). At most this many tasks of this fan-out of one run are queued
  -- or leased at a time; the others wait (visible_at 'infinity') and are released one for each
  -- task that completes or runs out of attempts.
  max_concurrency         int,
  constraint steps_max_concurrency_positive check (max_concurrency >= 1),
  constraint steps_max_concurrency_needs_fanout check (max_concurrency is null or step_type = 'fanout'),
  -- Up to this many consecutive items per task of a fan-out, {"items": [...], "first_index": i};
  -- the task returns one output per item. Counters, policies and outputs still count items.
  batch_size              int,
  constraint steps_batch_size_positive check (batch_size >= 1),
  constraint steps_batch_size_needs_fanout check (batch_size is null or step_type = 'fanout'),
  -- A fan-out whose items are whole runs of this flow: each task is held by a child run started
  -- with its item as input, and completes with the child's output. Tasks of such a step are never
  -- claimed by workers; the child run's tasks are.
  subflow                 text,
  constraint steps_subflow_needs_fanout check (subflow is null or step_type = 'fanout'),
  constraint steps_subflow_alone check (subflow is null or (max_concurrency is null and batch_size is null)),
  -- Added in 0.9.0 under pgflow's names: a condition is a JSON object (what @> is matched with).
  constraint required_input_pattern_is_object check (
    required_input_pattern is null or jsonb_typeof(required_input_pattern) = 'object'),
  constraint forbidden_input_pattern_is_object check (
    forbidden_input_pattern is null or jsonb_typeof(forbidden_input_pattern) = 'object')
);

create table pgflow.deps (
  flow_slug  text not null,
  dep_slug   text not null,
  step_slug  text not null,
  created_at timestamptz not null default now(),
  constraint deps_pkey primary key (flow_slug, dep_slug, step_slug),
  constraint deps_dep_fkey foreign key (flow_slug, dep_slug) references pgflow.steps (flow_slug, step_slug),
  constraint deps_step_fkey foreign key (flow_slug, step_slug) references pgflow.steps (flow_slug, step_slug),
  constraint deps_not_self check (dep_slug <> step_slug)
);
create index deps_step_idx on pgflow.deps (flow_slug, step_slug);

create table pgflow.runs (
  run_id          uuid not null,
  flow_slug       text not null,
  status          text not null default 'started',
  input           jsonb not null,
  output          jsonb,
  remaining_steps int not null,
  started_at      timestamptz not null default now(),
  completed_at    timestamptz,
  failed_at       timestamptz,
  -- Added in 0.1.1, last so that a fresh install and an upgraded one have the same row layout.
  -- The caller's idempotency key: a second start_flow with the same key returns this run.
  run_key         text,
  cancelled_at    timestamptz,
  -- Added in 0.2.0: why a failed run failed, and how many times redrive_run started it again.
  error_message   text,
  redrive_count   int not null default 0,
  -- Added in 0.5.0: claims take tasks of runs with a higher priority first.
  priority        int not null default 0,
  -- Added in 0.5.0: a child run of a sub-flow fan-out names the task it works for; every run names
  -- the top of its tree (itself for a top-level run), whose lock all the runs of the tree share.
  parent_run_id     uuid,
  parent_step_slug  text,
  parent_task_index int,
  root_run_id       uuid not null,
  constraint runs_pkey primary key (run_id),
  constraint runs_flow_slug_fkey foreign key (flow_slug) references pgflow.flows (flow_slug),
  constraint runs_status_is_known check (status in ('started', 'completed', 'failed', 'cancelled')),
  constraint runs_remaining_steps_nonnegative check (remaining_steps >= 0)
);
create index runs_flow_slug_idx on pgflow.runs (flow_slug);
-- The run tree: a run's children by the task they work for, and every run below a top-level one
-- (pruning and deleting take a tree whole). Top-level runs are in neither.
create index runs_parent_idx on pgflow.runs (parent_run_id, parent_step_slug, parent_task_index)
  where parent_run_id is not null;
create index runs_root_idx on pgflow.runs (root_run_id) where parent_run_id is not null;
-- Top-level runs of a flow and status by start, newest first read backwards (list_runs.sql).
create index runs_list_idx on pgflow.runs (flow_slug, status, started_at, run_id) where parent_run_id is null;
create unique index runs_flow_slug_run_key_key on pgflow.runs (flow_slug, run_key) where run_key is not null;
-- Run deadlines: started runs of a flow by start time, so that finding the runs past their
-- deadline reads only those.
create index runs_started_idx on pgflow.runs (flow_slug, started_at) where status = 'started';
-- Finished runs of a flow by the time they finished: stats' last hour and prune_runs' oldest.
create index runs_finished_idx on pgflow.runs (flow_slug, (coalesce(completed_at, failed_at, cancelled_at)))
  where status <> 'started';

create table pgflow.step_states (
  run_id          uuid not null,
  flow_slug       text not null,
  step_slug       text not null,
  status          text not null default 'created',
  remaining_deps  int not null,
  initial_tasks   int,
  remaining_tasks int,
  output          jsonb,
  error_message   text,
  created_at      timestamptz not null default now(),
  started_at      timestamptz,
  completed_at    timestamptz,
  failed_at       timestamptz,
  -- Added in 0.2.0: how many of the step's tasks completed and failed (ran out of attempts).
  completed_tasks int not null default 0,
  failed_tasks    int not null default 0,
  constraint step_states_pkey primary key (run_id, step_slug),
  constraint step_states_run_fkey foreign key (run_id) references pgflow.runs (run_id),
  constraint step_states_step_fkey foreign key (flow_slug, step_slug) references pgflow.steps (flow_slug, step_slug),
  constraint step_states_status_is_known check (status in ('created', 'started', 'completed', 'failed', 'skipped', 'cancelled')),
  constraint step_states_remaining_deps_nonnegative check (remaining_deps >= 0),
  constraint step_states_initial_tasks_nonnegative check (initial_tasks >= 0),
  constraint step_states_remaining_tasks_nonnegative check (remaining_tasks >= 0),
  -- Added in 0.9.0, with pgflow's names and meaning: why a skipped step was skipped
  -- ('condition_unmet', 'handler_failed' or 'dependency_skipped'; NULL for any other status) and
  -- when. A skipped step keeps failed_at as well (its end, as before 0.9.0).
  skip_reason     text,
  skipped_at      timestamptz,
  constraint skip_reason_matches_status check (
    (status = 'skipped') = (skip_reason is not null)
    and skip_reason in ('condition_unmet', 'handler_failed', 'dependency_skipped')),
  constraint output_only_for_completed_or_null check (output is null or status = 'completed')
);
-- pgflow's initial_tasks_known_when_started: a started step knows how many tasks it has. A
-- fan-out starts one statement before it is spawned (in the same transaction), so the check is a
-- constraint trigger deferred to the commit, where pgflow has a CHECK; it fires only for a step
-- started without a count (each fan-out's start) and reads that row again.
create function pgflow._initial_tasks_known_when_started() returns trigger
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
create constraint trigger initial_tasks_known_when_started
  after insert or update of status, initial_tasks on pgflow.step_states
  deferrable initially deferred
  for each row when (new.status = 'started' and new.initial_tasks is null)
  execute function pgflow._initial_tasks_known_when_started();
-- Fan-out deadlines: started steps by start time, per step, read only for steps with a timeout.
create index step_states_started_idx on pgflow.step_states (flow_slug, step_slug, started_at)
  where status = 'started';

-- Added in 0.6.0: the counters of a big fan-out, in 16 parts, so that workers answering one step
-- at once do not all update its step_states row: an answer counts itself on its part, and only the
-- answer (or failure) that ends a part's last item moves the part's completions to the step's row.
-- A task's part is its shard (step_tasks.shard, since 0.8.0; before, its task_index mod 16), the
-- range of the fan-out's tasks a claim takes it from, so a worker's batch of answers counts on one part and workers on
-- other shards count on others. A fan-out of fewer than 64 tasks has no parts and counts on its
-- row. remaining: the part's items not yet completed or failed; completed: its items completed
-- since it was made (or reset by a redrive or a repair), already counted on the step's row once
-- remaining is 0. So a step's completed items are completed_tasks plus its parts' completed where
-- remaining > 0, and its unfinished ones remaining_tasks minus those.
create table pgflow.step_parts (
  run_id    uuid not null,
  step_slug text not null,
  part      int not null,
  remaining int not null,
  completed int not null default 0,
  constraint step_parts_pkey primary key (run_id, step_slug, part),
  constraint step_parts_remaining_nonnegative check (remaining >= 0)
);

-- Since 0.7.0 each backend takes 1,000 ids at a time: a spawn takes one id per task, and a
-- sequence read for each costs about 4% of it. Ids stay unique, not in insertion order across
-- backends, and a backend that exits leaves its unused ones out.
create sequence pgflow.step_tasks_message_id_seq as bigint cache 1000;

-- No foreign key to step_states on purpose: an RI trigger fires once per inserted row, which would
-- make spawning a fan-out cost a trigger query per task. The engine creates tasks only for step
-- states it has just started, in the same statement.
create table pgflow.step_tasks (
  run_id         uuid not null,
  step_slug      text not null,
  task_index     int not null,
  flow_slug      text not null,
  status         text not null default 'queued',
  -- The array element a fan-out task works on (JSON null stays 'null'::jsonb); SQL NULL for a single step.
  item           jsonb,
  attempts_count int not null default 0,
  output         jsonb,
  error_message  text,
  -- When the task may be claimed: after its start delay, retry backoff or lease.
  visible_at     timestamptz not null default now(),
  -- The claim's id, as pgflow names it (its pgmq message id); step_task_record calls it msg_id,
  -- as pgflow's record does.
  message_id     bigint not null default nextval('pgflow.step_tasks_message_id_seq'),
  queued_at      timestamptz not null default now(),
  started_at     timestamptz,
  completed_at   timestamptz,
  failed_at      timestamptz,
  -- Added in 0.1.1: who holds the current claim (NULL when the claimer gave no id). An answer
  -- that names another worker is a stale holder's and changes nothing.
  worker_id      uuid,
  constraint step_tasks_pkey primary key (run_id, step_slug, task_index),
  constraint step_tasks_status_is_known check (status in ('queued', 'started', 'completed', 'failed', 'cancelled')),
  constraint step_tasks_task_index_nonnegative check (task_index >= 0),
  constraint step_tasks_attempts_count_nonnegative check (attempts_count >= 0),
  -- Added in 0.3.0: when the task reached a terminal state (completed, failed, cancelled), as a
  -- number that grows, per step, in the order those changes commit; read_results' cursor. NULL
  -- while the task is queued or running.
  result_seq     bigint,
  -- Added in 0.5.0: the run's priority, copied so that the queue index can order by it.
  priority       int not null default 0,
  -- Added in 0.5.0: a task of a batched fan-out holds several items (item is their array) and
  -- this is the index of the first; NULL for a task of one item.
  first_index    int,
  -- Added in 0.8.0: which of its lane's 16 shards the task queues in, and its part (see
  -- step_parts). A fan-out's tasks are cut in up to 16 ranges of consecutive tasks, at least 64
  -- each (fanout_source.sql, the one place that computes it), so a claim from one shard takes
  -- neighbouring rows (a few heap and index pages) and its answers count on one part, and a spawn
  -- writes its queue entries in the index's order. A single step's task and a fan-out of up to
  -- 64 tasks are all in shard 0, where claims keep the strict order of the queue (priority, then
  -- the oldest, item by item across runs).
  shard          smallint not null default 0,
  -- Added in 0.9.0 under pgflow's name: only a finished task has an output.
  constraint output_valid_only_for_completed check (output is null or status in ('completed', 'failed')),
  -- Added in 0.11.0: the task's failed attempts, oldest first, the last 20 ({"attempt", "error",
  -- "worker_id", "at"}; fail_tasks.sql appends): what inspect_task shows. NULL until one fails.
  attempt_errors jsonb
);
alter sequence pgflow.step_tasks_message_id_seq owned by pgflow.step_tasks.message_id;
create sequence pgflow.step_tasks_result_seq as bigint owned by pgflow.step_tasks.result_seq;

-- The queue: queued tasks per step of a flow, in lanes of one priority each, each lane in 16
-- shards (step_tasks.shard), each shard by the time its tasks become claimable, then by item index
-- (a fan-out that joins a backlog interleaves with it: see spawn_fanout_tasks.sql). Claims read
-- only this, one lane and shard after another (claim_tasks.sql), so a claim of some steps never
-- reads another step's tasks, and workers that start at different shards (each backend starts at
-- its own, and moves on one shard a claim) do not meet at one head of the queue.
-- Since 0.7.0 a lane's step is keyed by one 8-byte hash of 'flow_slug/step_slug' (slugs have no
-- '/') rather than the two texts: every spawned task writes an entry here, and a fixed-width key
-- is narrower and compares without walking variable-width columns (a spawn of 100,000 tasks,
-- about 40 ms less: BENCHMARKS.md). Queries name the lane by the same expression and keep the
-- slug conditions, which a hash collision would need. Keys are unique but for a collision, so
-- the deduplication pass, run on every full leaf page, would never find anything to merge.
create index step_tasks_queued_idx on pgflow.step_tasks
  (hashtextextended(flow_slug || '/' || step_slug, 0), priority desc, shard, visible_at, task_index)
  with (deduplicate_items = off)
  where status = 'queued';
-- Tasks of a capped fan-out waiting for a slot (queued, visible_at 'infinity'), per step of a
-- run in item order: a task that leaves its slot releases the next one without a scan.
create index step_tasks_waiting_idx on pgflow.step_tasks (run_id, step_slug, task_index)
  where status = 'queued' and visible_at = 'infinity';
-- The leases: started tasks by the time their lease runs out. Kept apart from the queue so that
-- finding expired leases reads only those, however many tasks are waiting.
create index step_tasks_leased_idx on pgflow.step_tasks (flow_slug, visible_at)
  where status = 'started';
-- The results: a step's finished tasks in the order they finished. A page of read_results reads
-- only its own rows, wherever the cursor is.
create index step_tasks_results_idx on pgflow.step_tasks (run_id, step_slug, result_seq)
  where result_seq is not null;
-- Added in 0.11.0: a step's failed tasks in task order. Reading a step's failures (failure_groups,
-- failed_items) costs what failed, however many tasks the step has; only a task that fails for
-- good writes an entry.
create index step_tasks_failed_idx on pgflow.step_tasks (run_id, step_slug, task_index)
  where status = 'failed';

create type pgflow.step_task_record as (
  flow_slug  text,
  run_id     uuid,
  step_slug  text,
  input      jsonb,
  msg_id     bigint,
  task_index int,
  -- Added in 0.4.0 (last, as in the tables): the run input, for single steps (a fan-out task gets
  -- NULL: its run input may be the whole array it fans out, which would be copied into every task).
  flow_input jsonb,
  -- Added in 0.9.0: when the claim's lease ends (the `vt` asked for, else the step's timeout), so
  -- that no worker computes it again from its own copy of the flow.
  lease_ends_at timestamptz
);

-- Storage for a queue. Every claim and answer leaves a dead version of a task row (a status change
-- cannot be a HOT update: status is in the queue indexes' predicates), so autovacuum visits the
-- queue after 2% of it has changed instead of the default 20%, without cost-based pauses, and
-- keeps the dead index entries of claims from piling up. The counters of step_parts, step_states
-- and runs change often without touching an indexed column: room left on their pages lets
-- those updates stay HOT (no new index entry, the old version pruned in place).
-- (BENCHMARKS.md: the soak of 20 runs of 50,000 tasks.)
alter table pgflow.step_tasks set (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
alter table pgflow.step_states set (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
alter table pgflow.step_parts set (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
alter table pgflow.runs set (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
-- Added in 0.7.0: big JSON values (a run's input, a step's output array, a task's items or
-- output) are compressed with lz4 where the server was built with it. start_flow stores the array
-- a root fan-out spawns from, and a fan-out's dependency stores the array it fans out: lz4
-- compresses a 2 MB array in about 3 ms where pglz takes about 15. Elsewhere pglz stays.
do $$
begin
  alter table pgflow.runs alter column input set compression lz4, alter column output set compression lz4;
  alter table pgflow.step_states alter column output set compression lz4;
  alter table pgflow.step_tasks alter column item set compression lz4, alter column output set compression lz4;
exception when feature_not_supported then
  null;
end
$$;

-- Rows of extension tables are left out of pg_dump unless registered here.
select pg_catalog.pg_extension_config_dump('pgflow.flows', '');
select pg_catalog.pg_extension_config_dump('pgflow.steps', '');
select pg_catalog.pg_extension_config_dump('pgflow.deps', '');
select pg_catalog.pg_extension_config_dump('pgflow.runs', '');
select pg_catalog.pg_extension_config_dump('pgflow.step_states', '');
select pg_catalog.pg_extension_config_dump('pgflow.step_parts', '');
select pg_catalog.pg_extension_config_dump('pgflow.step_tasks', '');
select pg_catalog.pg_extension_config_dump('pgflow.step_tasks_message_id_seq', '');
select pg_catalog.pg_extension_config_dump('pgflow.step_tasks_result_seq', '');
