/** Starting runs and waiting for them from application code. */
import type { Sql } from 'postgres';

import { withClient, type ConnectionOptions } from './connection.js';
import type { AnyFlow, FlowInput, FlowOutput } from './dsl.js';

export interface RunOptions extends ConnectionOptions {
  /** Give up waiting after this long (the run goes on). Default: wait for ever. */
  readonly timeoutMs?: number;
}

/** A run that ended in failure; `stepSlug` and the message say where and why. */
export class RunFailedError extends Error {
  override readonly name = 'RunFailedError';
  constructor(
    readonly runId: string,
    readonly stepSlug: string | undefined,
    readonly reason: string | undefined,
    flowSlug: string,
  ) {
    super(
      `run ${runId} of flow '${flowSlug}' failed` +
        (stepSlug === undefined ? '' : ` in step '${stepSlug}'`) +
        (reason === undefined ? '' : `: ${reason}`),
    );
  }
}

export interface StartOptions extends ConnectionOptions {
  /** Claims take tasks of runs with a higher priority first (default 0; negative is lower). */
  readonly priority?: number;
}

/** Starts a run of `flow` and returns its id. */
export async function startRun<F extends AnyFlow>(
  flow: F,
  input: FlowInput<F>,
  options: StartOptions,
): Promise<string> {
  const priority = options.priority ?? 0;
  if (!Number.isSafeInteger(priority) || Math.abs(priority) > 2_147_483_647) {
    throw new RangeError(`priority must be an integer, got ${String(priority)}`);
  }
  return withClient(options, async (sql) => {
    const [run] = await sql<{ run_id: string }[]>`
      select run_id from pgflow.start_flow(${flow.slug}, (${JSON.stringify(input) ?? 'null'}::text)::jsonb,
                                           priority => ${priority}::int)`;
    return (run as { run_id: string }).run_id;
  });
}

/**
 * Waits for a run to end: resolves with its output, or rejects with a `RunFailedError`. Listens on
 * the `pgflow` channel, where the extension announces each run's end at its commit, so it looks at
 * the run only when it starts, when its end is announced, and after the listening connection came
 * back from a reconnect (an announcement sent meanwhile is lost, so it looks again).
 */
export async function waitForRun<F extends AnyFlow>(flow: F, runId: string, options: RunOptions): Promise<FlowOutput<F>> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  return withClient(options, async (sql) => {
    let announced = false;
    let wake = () => {};
    const lookAgain = () => {
      announced = true;
      wake();
    };
    let listens = 0;
    const listener = await sql.listen(
      'pgflow',
      (payload) => {
        if (isRunEnd(payload, runId)) lookAgain();
      },
      () => {
        listens += 1;
        if (listens > 1) lookAgain();
      },
    );
    try {
      for (;;) {
        announced = false;
        const run = await lookAtRun(sql, flow, runId);
        if (run.status !== 'started') return await outcome(sql, flow, runId, run);
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error(`run ${runId} of flow '${flow.slug}' did not end within ${options.timeoutMs} ms`);
        if (!announced) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(remaining, 2 ** 31 - 1));
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      }
    } finally {
      await listener.unlisten();
    }
  });
}

interface RunRow {
  status: string;
  output: unknown;
  error_message: string | null;
}

/** The run as it is now, read through pgflow.wait_for_run with no wait. */
async function lookAtRun(sql: Sql, flow: AnyFlow, runId: string): Promise<RunRow> {
  const [run] = await sql<RunRow[]>`
    select status, output, error_message from pgflow.wait_for_run(${runId}::uuid, 0)`.catch((error: unknown) => {
    if ((error as { code?: string }).code === 'P0002') throw new Error(`run ${runId} of flow '${flow.slug}' does not exist`);
    throw error;
  });
  return run as RunRow;
}

/** The output of a completed run; a `RunFailedError` for one that failed or was cancelled. */
async function outcome<F extends AnyFlow>(sql: Sql, flow: F, runId: string, run: RunRow): Promise<FlowOutput<F>> {
  if (run.status === 'completed') return run.output as FlowOutput<F>;
  // The failed step and its own reason; a run that timed out or was cancelled has none.
  const [failed] = await sql<{ step_slug: string; error_message: string | null }[]>`
    select step_slug, error_message from pgflow.step_states
    where run_id = ${runId}::uuid and status = 'failed' order by failed_at limit 1`;
  const reason = failed?.error_message ?? run.error_message ?? run.status;
  throw new RunFailedError(runId, failed?.step_slug, reason, flow.slug);
}

/** Whether a `pgflow` notification announces the end of the run (not of one of its steps). */
function isRunEnd(payload: string, runId: string): boolean {
  try {
    const event = JSON.parse(payload) as { run_id?: unknown; step_slug?: unknown };
    return event.run_id === runId && event.step_slug === null;
  } catch {
    return false;
  }
}

/**
 * Starts a failed or cancelled run again where it stopped: tasks that completed keep their outputs,
 * the others run again with a fresh attempt budget. Resolves with how many times the run has been
 * redriven; a started or completed run is refused by the extension (SQLSTATE 55000).
 */
export async function redriveRun(
  runId: string,
  options: ConnectionOptions,
): Promise<{ status: string; redriveCount: number }> {
  return withClient(options, async (sql) => {
    const [run] = await sql<{ status: string; redrive_count: number }[]>`
      select status, redrive_count from pgflow.redrive_run(${runId}::uuid)`;
    const { status, redrive_count: redriveCount } = run as { status: string; redrive_count: number };
    return { status, redriveCount };
  });
}

/** Starts a run and waits for it: the output when it completes, a `RunFailedError` when it fails. */
export async function runFlow<F extends AnyFlow>(
  flow: F,
  input: FlowInput<F>,
  options: RunOptions & Pick<StartOptions, 'priority'>,
): Promise<FlowOutput<F>> {
  return withClient(options, async (sql) => {
    const runId = await startRun(flow, input, { sql, ...(options.priority === undefined ? {} : { priority: options.priority }) });
    return waitForRun(flow, runId, { ...withoutConnection(options), sql });
  });
}

function withoutConnection(options: RunOptions): Omit<RunOptions, 'connectionString' | 'sql'> {
  const { connectionString: _connection, sql: _sql, priority: _priority, ...rest } = options as RunOptions & StartOptions;
  return rest;
}
