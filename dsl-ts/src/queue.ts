/**
 * The worker's side of the extension's task protocol, behind an interface so the worker's
 * scheduling can be tested without a database.
 */
import type { Sql } from 'postgres';

/** A claimed task, as `pgflow.poll_for_tasks` returns it. */
export interface ClaimedTask {
  readonly flowSlug: string;
  readonly runId: string;
  readonly stepSlug: string;
  readonly taskIndex: number;
  /** `{ run, ...deps }` for a single step, `{ item }` for a fan-out task. */
  readonly input: unknown;
  /** The run input, for a single step's task; undefined for a fan-out task. */
  readonly flowInput?: unknown;
  /**
   * How long the claim leased the task for, in seconds, as the database decided it (the
   * `visibilityTimeout` asked for, else the step's timeout): heartbeats extend it by as much.
   */
  readonly leaseSeconds: number;
}

export interface TaskKey {
  readonly runId: string;
  readonly stepSlug: string;
  readonly taskIndex: number;
}

export interface Completion extends TaskKey {
  /** The output, already serialized to JSON text. */
  readonly outputJson: string;
}

export interface Failure extends TaskKey {
  readonly errorMessage: string;
}

export interface PollRequest {
  readonly flowSlug: string;
  readonly qty: number;
  /** The lease in seconds; null leases each task for its step's timeout (else the flow's). */
  readonly visibilityTimeout: number | null;
  readonly maxPollSeconds: number;
  readonly pollIntervalMs: number;
  /** Recorded as the holder of each claimed task. */
  readonly workerId: string;
  /** Claim only tasks of these steps (left out: of every step). */
  readonly stepSlugs?: readonly string[];
}

/** How the database's flow compares with a worker's (`pgflow.compare_flow_shape`). */
export interface FlowCheck {
  readonly status: 'verified' | 'compiled' | 'mismatch' | 'missing';
  readonly differences: readonly string[];
}

export interface TaskQueue {
  /**
   * Compares the stored flow with `shape`; with `compile`, creates it first when it is missing
   * (`pgflow.ensure_flow_compiled`). Left out (a queue without a database), nothing is checked.
   */
  checkFlow?(flowSlug: string, shape: unknown, compile: boolean): Promise<FlowCheck>;
  poll(request: PollRequest): Promise<ClaimedTask[]>;
  /**
   * Reports answers in one call (one statement, one transaction). Answers for tasks `workerId` no
   * longer holds (its lease ran out and another worker claimed them) change nothing.
   */
  complete(completions: readonly Completion[], workerId: string): Promise<void>;
  /**
   * Reports completions and claims up to `request.qty` tasks in one call and one transaction
   * (`pgflow.complete_tasks_and_poll`); the claim sees what the answers released and does not wait.
   * Left out, the worker reports and polls in two calls.
   */
  completeAndPoll?(completions: readonly Completion[], request: PollRequest): Promise<ClaimedTask[]>;
  fail(failures: readonly Failure[], workerId: string): Promise<void>;
  /**
   * A heartbeat: the lease of a task `workerId` holds now ends `seconds` from now. False when the
   * worker no longer holds it (the lease ran out and another worker claimed it, or its run ended).
   */
  extendLease(task: TaskKey, seconds: number, workerId: string): Promise<boolean>;
}

interface PolledRow {
  flow_slug: string;
  run_id: string;
  step_slug: string;
  task_index: number;
  input: unknown;
  flow_input: unknown;
  lease_seconds: number;
}

/**
 * The task protocol over a `postgres` client. One answer uses the single-task call, several the
 * batch call. Heartbeats go through `heartbeatSql` when given (a client of their own, so that
 * they never wait behind a poll).
 */
export function postgresTaskQueue(sql: Sql, heartbeatSql: Sql = sql): TaskQueue {
  const claimed = (rows: PolledRow[]): ClaimedTask[] =>
    rows.map((row) => ({
      flowSlug: row.flow_slug,
      runId: row.run_id,
      stepSlug: row.step_slug,
      taskIndex: row.task_index,
      input: row.input,
      ...(row.flow_input === null ? {} : { flowInput: row.flow_input }),
      leaseSeconds: row.lease_seconds,
    }));
  // The lease the claim gave, from the end it returns (measured on the database's clock).
  const leaseSeconds = sql`greatest(1, round(extract(epoch from lease_ends_at - clock_timestamp())))::int as lease_seconds`;
  return {
    async checkFlow(flowSlug, shape, compile) {
      const [row] = compile
        ? await sql<{ result: FlowCheck }[]>`select pgflow.ensure_flow_compiled(${flowSlug}, ${sql.json(shape as never)}) as result`
        : await sql<{ result: FlowCheck }[]>`select pgflow.compare_flow_shape(${flowSlug}, ${sql.json(shape as never)}) as result`;
      if (row === undefined) throw new Error(`checking flow '${flowSlug}' returned nothing`);
      return row.result;
    },
    async poll({ flowSlug, qty, visibilityTimeout, maxPollSeconds, pollIntervalMs, workerId, stepSlugs }) {
      return claimed(await sql<PolledRow[]>`
        select flow_slug, run_id, step_slug, task_index, input, flow_input, ${leaseSeconds}
        from pgflow.poll_for_tasks(${flowSlug}, ${visibilityTimeout}::int, ${qty}::int,
                                   ${maxPollSeconds}::int, ${pollIntervalMs}::int, ${workerId}::uuid,
                                   ${stepSlugs === undefined ? null : sql.array([...stepSlugs])}::text[])`);
    },
    async completeAndPoll(completions, { flowSlug, qty, visibilityTimeout, workerId, stepSlugs }) {
      return claimed(await sql<PolledRow[]>`
        select flow_slug, run_id, step_slug, task_index, input, flow_input, ${leaseSeconds}
        from pgflow.complete_tasks_and_poll(
          ${sql.array(completions.map((c) => c.runId))}::uuid[],
          ${sql.array(completions.map((c) => c.stepSlug))}::text[],
          ${sql.array(completions.map((c) => c.taskIndex))}::int[],
          (${sql.array(completions.map((c) => c.outputJson))}::text[])::jsonb[],
          ${flowSlug}, ${visibilityTimeout}::int, ${qty}::int, ${workerId}::uuid,
          ${stepSlugs === undefined ? null : sql.array([...stepSlugs])}::text[])`);
    },
    async complete(completions, workerId) {
      const [only] = completions;
      if (only === undefined) return;
      if (completions.length === 1) {
        await sql`select 1 from pgflow.complete_task(${only.runId}::uuid, ${only.stepSlug}, ${only.taskIndex}::int,
                                                    (${only.outputJson}::text)::jsonb, ${workerId}::uuid)`;
        return;
      }
      await sql`select 1 from pgflow.complete_tasks(
        ${sql.array(completions.map((c) => c.runId))}::uuid[],
        ${sql.array(completions.map((c) => c.stepSlug))}::text[],
        ${sql.array(completions.map((c) => c.taskIndex))}::int[],
        (${sql.array(completions.map((c) => c.outputJson))}::text[])::jsonb[],
        ${workerId}::uuid)`;
    },
    async extendLease(task, seconds, workerId) {
      const [row] = await heartbeatSql<{ lease_ends_at: Date | null }[]>`
        select pgflow.extend_lease(${task.runId}::uuid, ${task.stepSlug}, ${task.taskIndex}::int,
                                   ${seconds}::int, ${workerId}::uuid) as lease_ends_at`;
      return row?.lease_ends_at !== null && row?.lease_ends_at !== undefined;
    },
    async fail(failures, workerId) {
      const [only] = failures;
      if (only === undefined) return;
      if (failures.length === 1) {
        await sql`select 1 from pgflow.fail_task(${only.runId}::uuid, ${only.stepSlug}, ${only.taskIndex}::int,
                                                ${only.errorMessage}::text, ${workerId}::uuid)`;
        return;
      }
      await sql`select 1 from pgflow.fail_tasks(
        ${sql.array(failures.map((f) => f.runId))}::uuid[],
        ${sql.array(failures.map((f) => f.stepSlug))}::text[],
        ${sql.array(failures.map((f) => f.taskIndex))}::int[],
        ${sql.array(failures.map((f) => f.errorMessage))}::text[],
        ${workerId}::uuid)`;
    },
  };
}
