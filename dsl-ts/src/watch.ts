/**
 * Watching runs from application code: progress per step, stats per flow, a step's results as
 * they come, and the maintenance calls (repair, prune). Each is one call of the extension's SQL API.
 */
import { openClient, withClient, type ConnectionOptions } from './connection.js';

/** A row of the extension's, its columns named in camel case as the interfaces here name them. */
function camelCased<T>(row: Record<string, unknown>): T {
  return Object.fromEntries(
    Object.entries(row).map(([column, value]) => [column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()), value]),
  ) as T;
}

export interface StepProgress {
  readonly stepSlug: string;
  readonly stepType: 'single' | 'fanout';
  readonly status: string;
  /** null while a fan-out's size is unknown (before its dependency completed). */
  readonly total: number | null;
  readonly queued: number;
  readonly running: number;
  readonly completed: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly tasksPerSecond: number | null;
  /** The time left at the current rate, in milliseconds (0 once the step has finished). */
  readonly etaMs: number | null;
}

/** One row per step of the run, in definition order, from the step's counters. */
export async function progress(runId: string, options: ConnectionOptions): Promise<StepProgress[]> {
  return withClient(options, async (sql) => {
    const rows = await sql<Record<string, unknown>[]>`
      select step_slug, step_type, status, total, queued, running, completed, failed, cancelled,
             started_at, finished_at, tasks_per_second::float8 as tasks_per_second,
             (extract(epoch from eta) * 1000)::float8 as eta_ms
      from pgflow.progress(${runId}::uuid)`;
    return rows.map((row) => camelCased<StepProgress>(row));
  });
}

export interface FlowStats {
  readonly flowSlug: string;
  readonly activeRuns: number;
  /** Runs inside an unfinished fan-out. */
  readonly waitingRuns: number;
  readonly activeFanouts: number;
  readonly queuedTasks: number;
  readonly runningTasks: number;
  /** How long the oldest claimable task has waited, in milliseconds (null: none is waiting). */
  readonly oldestQueuedAgeMs: number | null;
  readonly completedLastMinute: number;
  readonly failedLastMinute: number;
  readonly runsCompletedLastHour: number;
  readonly runsFailedLastHour: number;
}

/** One row per flow, or for the flow named. */
export async function stats(options: ConnectionOptions & { readonly flowSlug?: string }): Promise<FlowStats[]> {
  return withClient(options, async (sql) => {
    const rows = await sql<Record<string, unknown>[]>`
      select flow_slug, active_runs::float8, waiting_runs::float8, active_fanouts::float8, queued_tasks::float8,
             running_tasks::float8, (extract(epoch from oldest_queued_age) * 1000)::float8 as oldest_queued_age_ms,
             completed_last_minute::float8, failed_last_minute::float8, runs_completed_last_hour::float8,
             runs_failed_last_hour::float8
      from pgflow.stats(${options.flowSlug ?? null}::text)`;
    return rows.map((row) => camelCased<FlowStats>(row));
  });
}

export interface TaskResult<T = unknown> {
  /** The cursor: results come in increasing seq, the order they finished. */
  readonly seq: number;
  readonly taskIndex: number;
  readonly status: 'completed' | 'failed' | 'cancelled';
  /** The task's output (null unless completed). */
  readonly output: T | null;
  readonly errorMessage: string | null;
}

export interface StreamOptions extends ConnectionOptions {
  /** Results read per call. Default 1000. */
  readonly pageSize?: number;
  /** How long to wait before reading again when the step has nothing new yet. Default 100. */
  readonly pollIntervalMs?: number;
  /** Start after this seq (a cursor kept from an earlier stream). Default 0. */
  readonly afterSeq?: number;
}

/**
 * A step's results as they come, while its tasks still run: every task that reaches a terminal
 * state, once, in the order they did. Ends once the step has finished and its last results have
 * been read (a step whose run ends before it starts yields nothing).
 */
export async function* streamResults<T = unknown>(
  runId: string,
  stepSlug: string,
  options: StreamOptions,
): AsyncGenerator<TaskResult<T>, void, undefined> {
  const pageSize = options.pageSize ?? 1000;
  const interval = options.pollIntervalMs ?? 100;
  const { sql, close } = await openClient(options);
  try {
    let cursor = options.afterSeq ?? 0;
    for (;;) {
      // The step's status is read before the page: if it had finished then, the page holds every
      // result it will ever have (they all committed before its end did).
      const [step] = await sql<{ status: string }[]>`
        select status from pgflow.progress(${runId}::uuid) where step_slug = ${stepSlug}`;
      if (step === undefined) throw new Error(`run ${runId} has no step '${stepSlug}'`);
      const finished = !['created', 'started'].includes(step.status);
      let read: number;
      do {
        const page = await sql<{ seq: number; task_index: number; status: TaskResult['status']; output: T | null; error_message: string | null }[]>`
          select seq::float8 as seq, task_index, status, output, error_message
          from pgflow.read_results(${runId}::uuid, ${stepSlug}, ${cursor}::bigint, ${pageSize}::int)`;
        for (const row of page) {
          cursor = row.seq;
          yield { seq: row.seq, taskIndex: row.task_index, status: row.status, output: row.output, errorMessage: row.error_message };
        }
        read = page.length;
      } while (read === pageSize);
      if (finished) return;
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  } finally {
    await close();
  }
}

export interface RepairChange {
  readonly subject: string;
  readonly what: string;
  readonly was: string;
  readonly now: string;
}

/** Sets the run's counters and statuses to what its tasks say; resolves with what changed. */
export async function repairRun(runId: string, options: ConnectionOptions): Promise<RepairChange[]> {
  return withClient(options, async (sql) => {
    const rows = await sql<RepairChange[]>`select subject, what, was, now from pgflow.repair_run(${runId}::uuid)`;
    return rows.map(({ subject, what, was, now }) => ({ subject, what, was, now }));
  });
}

export interface PruneOptions extends ConnectionOptions {
  /** Runs that finished more than this many milliseconds ago are deleted. */
  readonly olderThanMs: number;
  /** Only this flow's runs. Default: every flow's. */
  readonly flowSlug?: string;
  /** At most this many per call. Default 1000. */
  readonly maxRuns?: number;
}

/** Deletes finished runs older than `olderThanMs` with their steps and tasks; resolves with how many. */
export async function pruneRuns(options: PruneOptions): Promise<number> {
  return withClient(options, async (sql) => {
    const [row] = await sql<{ pruned: number }[]>`
      select pgflow.prune_runs(make_interval(secs => ${options.olderThanMs / 1000}::float8), ${options.flowSlug ?? null}::text,
                               ${options.maxRuns ?? 1000}::int)::float8 as pruned`;
    return (row as { pruned: number }).pruned;
  });
}
