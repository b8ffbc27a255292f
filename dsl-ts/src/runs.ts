/** Starting runs and waiting for them from application code. */
import postgres, { type Sql } from 'postgres';

import type { AnyFlow, FlowInput, FlowOutput } from './dsl.js';

export interface RunOptions {
  /** Where to connect (a connection is opened and closed for the call)... */
  readonly connectionString?: string;
  /** ...or a client of the caller's. */
  readonly sql?: Sql;
  /** How often to look at the run while waiting. Default 50. */
  readonly pollIntervalMs?: number;
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

async function withClient<T>(options: RunOptions, body: (sql: Sql) => Promise<T>): Promise<T> {
  if ((options.sql === undefined) === (options.connectionString === undefined)) {
    throw new TypeError('give exactly one of connectionString or sql');
  }
  if (options.sql !== undefined) return body(options.sql);
  const sql = postgres(options.connectionString as string, { max: 1, onnotice: () => {} });
  try {
    return await body(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Starts a run of `flow` and returns its id. */
export async function startRun<F extends AnyFlow>(
  flow: F,
  input: FlowInput<F>,
  options: Omit<RunOptions, 'pollIntervalMs' | 'timeoutMs'>,
): Promise<string> {
  return withClient(options, async (sql) => {
    const [run] = await sql<{ run_id: string }[]>`
      select run_id from pgflow.start_flow(${flow.slug}, (${JSON.stringify(input) ?? 'null'}::text)::jsonb)`;
    return (run as { run_id: string }).run_id;
  });
}

/** Waits for a run to end: resolves with its output, or rejects with a `RunFailedError`. */
export async function waitForRun<F extends AnyFlow>(flow: F, runId: string, options: RunOptions): Promise<FlowOutput<F>> {
  const interval = options.pollIntervalMs ?? 50;
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  return withClient(options, async (sql) => {
    for (;;) {
      const [run] = await sql<{ status: string; output: unknown; error_message: string | null }[]>`
        select status, output, error_message from pgflow.runs where run_id = ${runId}::uuid`;
      if (run === undefined) throw new Error(`run ${runId} of flow '${flow.slug}' does not exist`);
      if (run.status === 'completed') return run.output as FlowOutput<F>;
      if (run.status !== 'started') {
        // The failed step and its own reason; a run that timed out or was cancelled has none.
        const [failed] = await sql<{ step_slug: string; error_message: string | null }[]>`
          select step_slug, error_message from pgflow.step_states
          where run_id = ${runId}::uuid and status = 'failed' order by failed_at limit 1`;
        const reason = failed?.error_message ?? run.error_message ?? run.status;
        throw new RunFailedError(runId, failed?.step_slug, reason, flow.slug);
      }
      if (Date.now() + interval > deadline) {
        throw new Error(`run ${runId} of flow '${flow.slug}' did not end within ${options.timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  });
}

/**
 * Starts a failed or cancelled run again where it stopped: tasks that completed keep their outputs,
 * the others run again with a fresh attempt budget. Resolves with how many times the run has been
 * redriven; a started or completed run is refused by the extension (SQLSTATE 55000).
 */
export async function redriveRun(
  runId: string,
  options: Omit<RunOptions, 'pollIntervalMs' | 'timeoutMs'>,
): Promise<{ status: string; redriveCount: number }> {
  return withClient(options, async (sql) => {
    const [run] = await sql<{ status: string; redrive_count: number }[]>`
      select status, redrive_count from pgflow.redrive_run(${runId}::uuid)`;
    const { status, redrive_count: redriveCount } = run as { status: string; redrive_count: number };
    return { status, redriveCount };
  });
}

/** Starts a run and waits for it: the output when it completes, a `RunFailedError` when it fails. */
export async function runFlow<F extends AnyFlow>(flow: F, input: FlowInput<F>, options: RunOptions): Promise<FlowOutput<F>> {
  return withClient(options, async (sql) => {
    const runId = await startRun(flow, input, { sql });
    return waitForRun(flow, runId, { ...withoutConnection(options), sql });
  });
}

function withoutConnection(options: RunOptions): Omit<RunOptions, 'connectionString' | 'sql'> {
  const { connectionString: _connection, sql: _sql, ...rest } = options;
  return rest;
}
