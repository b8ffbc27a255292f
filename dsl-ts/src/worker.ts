/**
 * A worker: claims a flow's tasks, runs each with its step's handler, and reports the answers.
 *
 * At most `concurrency` handlers run at once. The worker polls again once half a batch of slots is
 * free (or a completion has waited 50 ms for others, or nothing runs), asking for as many tasks as
 * there are free slots (at most `batchSize`); the completions that freed them ride on that poll.
 * Other answers are reported as they come: while one report is on its way the next ones gather,
 * and they go as one batch call.
 */
import { randomUUID } from 'node:crypto';

import postgres, { type Sql } from 'postgres';

import type { TaskContext } from './dsl.js';
import { flowShape, subflowsOf } from './compile.js';
import { toFlow, type AnyFlowDefinition } from './pgflow-compat.js';
import { postgresTaskQueue, type ClaimedTask, type Completion, type Failure, type TaskQueue } from './queue.js';

export interface WorkerOptions {
  /** The flow whose tasks it runs: a flow of this package, or one built with `@pgflow/dsl`. */
  readonly flow: AnyFlowDefinition;
  /**
   * At start the worker compares the database's flow with its own and stops with the differences
   * (a `FlowMismatchError`) when they differ, or when the flow is missing. With `compile`, a
   * missing flow is created from this one first. Default false.
   */
  readonly compile?: boolean;
  /**
   * Where to connect; the worker opens and closes its own connections. Several addresses: the
   * worker nodes of a Citus cluster (docs/citus.md), where a claim takes the tasks of the node it
   * is connected to: the worker runs one claim loop per address, each with these options (its
   * `concurrency` and `batchSize` each), under one worker id, and its stats add theirs up.
   */
  readonly connectionString?: string | readonly string[];
  /** A client of the caller's to use instead (not closed by the worker). */
  readonly sql?: Sql;
  /** The task protocol to use instead of a database (tests). */
  readonly queue?: TaskQueue;
  /**
   * Claim only tasks of these steps (a worker with a GPU takes only the steps that need one);
   * left out, of every step of the flow.
   */
  readonly steps?: readonly string[];
  /** Most tasks claimed per poll. Default 10. */
  readonly batchSize?: number;
  /** Most handlers running at once. Default 10. */
  readonly concurrency?: number;
  /**
   * Lease per claim, in seconds: a task not answered (or its lease extended) by then goes back to
   * the queue. Left out, each task is leased for its step's `timeout` (else the flow's, else the
   * extension's 60 s), as the extension computes it.
   */
  readonly visibilityTimeout?: number;
  /**
   * Extend the lease of a handler still running at half of it (a heartbeat), so that a long
   * handler keeps its task instead of a second worker taking it. Default true.
   */
  readonly heartbeat?: boolean;
  /** How often a waiting poll looks again, in the database. Default 100. */
  readonly pollIntervalMs?: number;
  /** How long one poll waits for a task before returning empty. Default 1. */
  readonly maxPollSeconds?: number;
  /** How long `stop()` waits for running handlers before abandoning them. Default 10,000. */
  readonly shutdownTimeoutMs?: number;
  /** Stop on SIGINT and SIGTERM. Default true. */
  readonly handleSignals?: boolean;
  /** Called with errors of the worker itself (a lost connection, a refused report). Default console.error. */
  readonly onError?: (error: unknown) => void;
}

export interface WorkerStats {
  claimed: number;
  completed: number;
  failed: number;
  abandoned: number;
  /** Leases extended by heartbeats. */
  heartbeats: number;
  /** Tasks whose lease was lost (another worker holds them, or their run ended): not answered. */
  leasesLost: number;
  /** Calls made to report answers; fewer than answers when they went in batches. */
  reportCalls: number;
  /** Completions reported by the poll that claimed the next tasks (one call for both). */
  carriedCompletions: number;
  /** The most handlers seen running at once. */
  peakConcurrency: number;
}

export interface Worker {
  /** Recorded on every task this worker claims; its answers count only while it holds them. */
  readonly id: string;
  /** Stops polling, waits for running handlers (up to `shutdownTimeoutMs`), reports their answers. */
  stop(): Promise<void>;
  /**
   * Resolves once the worker has checked its flow against the database's (and compiled it, with
   * `compile`), before its first claim; rejects with the `FlowMismatchError` that stops it.
   */
  readonly ready: Promise<void>;
  /** Settles when the worker has stopped. */
  readonly stopped: Promise<void>;
  readonly stats: Readonly<WorkerStats>;
}

export class WorkerOptionsError extends Error {
  override readonly name = 'WorkerOptionsError';
}

/** The database's flow is not the worker's: the worker stopped before claiming anything. */
export class FlowMismatchError extends Error {
  override readonly name = 'FlowMismatchError';

  constructor(
    readonly flowSlug: string,
    readonly differences: readonly string[],
    message: string,
  ) {
    super(message);
  }
}

function positiveInteger(name: string, value: number | undefined, fallback: number, minimum = 1): number {
  const chosen = value ?? fallback;
  if (!Number.isSafeInteger(chosen) || chosen < minimum) {
    throw new WorkerOptionsError(`${name} must be an integer of at least ${minimum}, got ${String(value)}`);
  }
  return chosen;
}

/** The message reported for a failed task; never empty, so the failure is explained. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string' && error !== '') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

function serializeOutput(output: unknown): string {
  // undefined (a handler that returns nothing) is stored as JSON null.
  return JSON.stringify(output) ?? 'null';
}

interface RunningTask {
  readonly abort: TaskAbort;
  done: Promise<void>;
  abandoned: boolean;
}

/**
 * A task's abort signal, made only when its handler asks for it: an AbortController costs more
 * than the rest of a no-op task's bookkeeping (most of the worker's time at 500 tasks a batch),
 * and most handlers never read the signal. An abort before the signal was read is kept and
 * given to the signal when it is made.
 */
class TaskAbort {
  private controller: AbortController | undefined;
  private reason: { readonly why: unknown } | undefined;

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.reason !== undefined) this.controller.abort(this.reason.why);
    }
    return this.controller.signal;
  }

  abort(why: unknown): void {
    if (this.reason !== undefined) return;
    this.reason = { why };
    this.controller?.abort(why);
  }
}

/** The reason a task's signal is aborted with when its lease ends or is lost. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/** The longest a completion waits for others to ride with it on one poll. */
const MAX_HOLD_MS = 50;

export function startWorker(options: WorkerOptions): Worker {
  const sources = [options.connectionString, options.sql, options.queue].filter((s) => s !== undefined);
  if (sources.length !== 1) {
    throw new WorkerOptionsError('give exactly one of connectionString, sql or queue');
  }
  const id = randomUUID();
  const addresses = options.connectionString;
  if (typeof addresses === 'string' || addresses === undefined) {
    return startOnOneNode(options as WorkerOptions & { readonly connectionString?: string }, id);
  }
  if (addresses.length === 0) throw new WorkerOptionsError('connectionString: give at least one address');
  return overNodes(addresses.map((address) => startOnOneNode({ ...options, connectionString: address }, id)), id);
}

/** One worker over several nodes: its loops, one per node, started, checked and stopped together. */
function overNodes(loops: readonly Worker[], id: string): Worker {
  const stats = {} as WorkerStats;
  for (const key of Object.keys(loops[0]!.stats) as (keyof WorkerStats)[]) {
    Object.defineProperty(stats, key, {
      enumerable: true,
      get: () => loops.reduce((total, loop) => total + loop.stats[key], 0),
    });
  }
  return {
    id,
    stop: async () => {
      await Promise.all(loops.map((loop) => loop.stop()));
    },
    ready: Promise.all(loops.map((loop) => loop.ready)).then(() => undefined),
    stopped: Promise.all(loops.map((loop) => loop.stopped)).then(() => undefined),
    stats,
  };
}

/** The worker on one node (or the caller's client, or a test queue). */
function startOnOneNode(options: WorkerOptions & { readonly connectionString?: string }, id: string): Worker {
  const flow = toFlow(options.flow);
  const compile = options.compile ?? false;
  const stepSlugs = options.steps === undefined ? undefined : [...options.steps];
  for (const slug of stepSlugs ?? []) {
    const step = flow.getStep(slug);
    if (step === undefined) throw new WorkerOptionsError(`steps: flow '${flow.slug}' has no step ${JSON.stringify(slug)}`);
    if (step.subflow !== undefined) {
      throw new WorkerOptionsError(`steps: step '${slug}' of flow '${flow.slug}' is run by child runs of flow '${step.subflow.slug}'`);
    }
  }
  const batchSize = positiveInteger('batchSize', options.batchSize, 10);
  const concurrency = positiveInteger('concurrency', options.concurrency, 10);
  const visibilityTimeout =
    options.visibilityTimeout === undefined ? null : positiveInteger('visibilityTimeout', options.visibilityTimeout, 1);
  const heartbeat = options.heartbeat ?? true;
  const refill = Math.ceil(Math.min(batchSize, concurrency) / 2);
  // Claims on their way at once: two when the handler slots hold two batches (see loop).
  const claimers = Math.min(2, Math.max(1, Math.floor(concurrency / batchSize)));
  const pollIntervalMs = positiveInteger('pollIntervalMs', options.pollIntervalMs, 100);
  const maxPollSeconds = positiveInteger('maxPollSeconds', options.maxPollSeconds, 1, 0);
  const shutdownTimeoutMs = positiveInteger('shutdownTimeoutMs', options.shutdownTimeoutMs, 10_000, 0);
  const onError = options.onError ?? ((error: unknown) => console.error('pgflow worker:', error));

  // Two connections: a poll may wait in the database while answers are reported; and one for
  // heartbeats alone, so that none waits behind a poll while its lease runs out.
  const ownSql = options.connectionString === undefined
    ? undefined
    : postgres(options.connectionString, { max: 2, onnotice: () => {} });
  const heartbeatSql = options.connectionString === undefined
    ? undefined
    : postgres(options.connectionString, { max: 1, onnotice: () => {} });
  const sql = ownSql ?? options.sql;
  const queue = options.queue ?? postgresTaskQueue(sql as Sql, heartbeatSql);

  const stats: WorkerStats = {
    claimed: 0,
    completed: 0,
    failed: 0,
    abandoned: 0,
    heartbeats: 0,
    leasesLost: 0,
    reportCalls: 0,
    carriedCompletions: 0,
    peakConcurrency: 0,
  };
  const running = new Set<RunningTask>();
  let stopping = false;
  // The claim loops waiting for a handler to end (or a stop), and how many slots their claims on
  // their way have asked for.
  const waiting = new Set<() => void>();
  let reserved = 0;
  // Completions wait for a claim to carry them while some claim loop will make one soon; when
  // every loop is inside a poll that may wait for work, they go on their own at once.
  let waitingPolls = 0;
  const holdCompletions = () => {
    reports.hold(queue.completeAndPoll !== undefined && waitingPolls < claimers);
  };
  const wake = () => {
    for (const resume of waiting) resume();
    waiting.clear();
  };
  const waitForWake = () =>
    new Promise<void>((resolve) => {
      waiting.add(resolve);
    });
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const resume = () => {
        clearTimeout(timer);
        waiting.delete(resume);
        resolve();
      };
      const timer = setTimeout(resume, ms);
      waiting.add(resume);
    });

  const reports = new Reporter(queue, id, stats, onError);

  const runTask = (task: ClaimedTask): void => {
    const abort = new TaskAbort();
    const entry: RunningTask = { abort, abandoned: false, done: Promise.resolve() };
    const context: TaskContext = {
      flowSlug: task.flowSlug,
      runId: task.runId,
      stepSlug: task.stepSlug,
      taskIndex: task.taskIndex,
      get signal() {
        return abort.signal;
      },
      ...(task.flowInput === undefined ? {} : { flowInput: task.flowInput }),
    };
    const key = { runId: task.runId, stepSlug: task.stepSlug, taskIndex: task.taskIndex };
    const step = flow.getStep(task.stepSlug);
    const lease = new Lease(task.leaseSeconds, (reason) => abort.abort(new LeaseLostError(reason)));
    let leaseLost = false;
    if (heartbeat) {
      lease.beat(async () => {
        try {
          const held = await queue.extendLease(key, lease.seconds, id);
          if (held) {
            stats.heartbeats += 1;
            return true;
          }
          leaseLost = true;
          stats.leasesLost += 1;
          return false;
        } catch (error) {
          onError(error);
          return undefined; // unknown: the lease keeps running out as it was
        }
      });
    }
    entry.done = (async () => {
      let answer: { outputJson: string } | { errorMessage: string };
      try {
        if (step === undefined) throw new Error(`this worker's flow '${flow.slug}' has no step '${task.stepSlug}'`);
        answer = { outputJson: serializeOutput(await step.handler(task.input, context)) };
      } catch (error) {
        answer = { errorMessage: errorMessage(error) };
      }
      lease.end();
      running.delete(entry);
      wake();
      // An abandoned task's lease runs out and another worker claims it, and a lost lease is
      // another worker's already: answering now could overwrite the newer attempt.
      if (entry.abandoned || leaseLost) return;
      if ('outputJson' in answer) reports.complete({ ...key, ...answer });
      else reports.fail({ ...key, ...answer });
    })();
    running.add(entry);
    stats.peakConcurrency = Math.max(stats.peakConcurrency, running.size);
  };

  const checkFlow = async () => {
    if (queue.checkFlow === undefined) return;
    // The extension refuses a flow whose sub-flows are missing: with compile, they come first.
    if (compile) {
      for (const child of subflowsOf(flow)) await queue.checkFlow(child.slug, flowShape(child), true);
    }
    const check = await queue.checkFlow(flow.slug, flowShape(flow), compile);
    if (check.status === 'missing') {
      throw new FlowMismatchError(flow.slug, [],
        `flow '${flow.slug}' is not in the database: load it (pgflow-compile) or start the worker with compile: true`);
    }
    if (check.status === 'mismatch') {
      throw new FlowMismatchError(flow.slug, check.differences,
        `flow '${flow.slug}' in the database differs from this worker's: ${check.differences.join('; ')}`);
    }
  };

  const ready = checkFlow();
  // Awaited by the loop; the caller need not await it.
  ready.catch(() => {});

  // One claim loop; a worker whose concurrency holds two batches runs two (claimers), so that one
  // claim is on its way while the other's tasks run, each on a connection of its own (`max: 2`).
  const loop = async () => {
    await ready;
    while (!stopping) {
      const free = concurrency - running.size - reserved;
      // With handlers running, poll once half a batch of slots is free, so that the completions
      // that freed them ride on one poll; but a completion waits at most MAX_HOLD_MS for others,
      // well within its task's lease, however long the other handlers run.
      const heldSince = reports.oldestHeld();
      const gather = free > 0 && running.size > 0 && free < refill && heldSince !== undefined &&
        Date.now() - heldSince < MAX_HOLD_MS;
      if (free <= 0 || gather) {
        // The completions that free a slot go with the poll that fills it: one call, one commit.
        holdCompletions();
        if (gather) await sleep(MAX_HOLD_MS - (Date.now() - (heldSince ?? Date.now())));
        else await waitForWake();
        continue;
      }
      const qty = Math.min(batchSize, free);
      const request = {
        flowSlug: flow.slug,
        qty,
        visibilityTimeout,
        maxPollSeconds,
        pollIntervalMs,
        workerId: id,
        ...(stepSlugs === undefined ? {} : { stepSlugs }),
      };
      const carried = stopping ? [] : reports.takeCompletions();
      const carrying = carried.length > 0 && queue.completeAndPoll !== undefined;
      let tasks: ClaimedTask[];
      reserved += qty;
      if (!carrying) waitingPolls += 1;
      holdCompletions();
      try {
        tasks = carrying
          ? await reports.carry(carried, () => queue.completeAndPoll!(carried, request))
          : await queue.poll(request);
      } catch (error) {
        if (stopping) break;
        onError(error);
        await sleep(pollIntervalMs);
        continue;
      } finally {
        reserved -= qty;
        if (!carrying) waitingPolls -= 1;
      }
      stats.claimed += tasks.length;
      // Tasks claimed while stopping still run: they are leased to this worker.
      for (const task of tasks) runTask(task);
      // Slots this claim asked for and did not fill are free again for the other loop.
      if (tasks.length < qty) wake();
      if (tasks.length === 0 && maxPollSeconds === 0 && carried.length === 0) await sleep(pollIntervalMs);
    }
  };
  const loops = async () => {
    await Promise.all(Array.from({ length: claimers }, loop));
    // The loops are done: what waits goes now.
    reports.hold(false);
  };

  const signals: NodeJS.Signals[] = options.handleSignals === false ? [] : ['SIGINT', 'SIGTERM'];
  let stopPromise: Promise<void> | undefined;
  const loopDone = loops();

  const stop = (): Promise<void> => {
    stopPromise ??= (async () => {
      stopping = true;
      wake();
      for (const signal of signals) process.off(signal, onSignal);
      await loopDone;
      const allDone = Promise.all([...running].map((task) => task.done));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        allDone.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), shutdownTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        for (const task of running) {
          task.abandoned = true;
          stats.abandoned += 1;
          task.abort.abort(new Error('the worker stopped'));
        }
      }
      await reports.drain();
      await Promise.all([ownSql?.end({ timeout: 5 }), heartbeatSql?.end({ timeout: 5 })]);
    })();
    return stopPromise;
  };
  const onSignal = () => {
    void stop();
  };
  for (const signal of signals) process.on(signal, onSignal);

  // A worker that cannot run its flow (FlowMismatchError) stops, and `stopped` rejects with why.
  const stopped = loopDone.then(
    () => stopPromise,
    async (error: unknown) => {
      onError(error);
      await stop();
      if (error instanceof FlowMismatchError) throw error;
    },
  );
  return { id, stop, ready, stopped: stopped.then(() => undefined), stats };
}

/**
 * A claimed task's lease as this worker sees it: it ends `seconds` after the claim unless a
 * heartbeat extends it; at its end, or when a heartbeat finds it lost, `onEnd` aborts the handler.
 */
class Lease {
  private endTimer: NodeJS.Timeout | undefined;
  private beatTimer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    readonly seconds: number,
    private readonly onEnd: (reason: string) => void,
  ) {
    this.arm();
  }

  /** Extends the lease at half of it, again and again; `extend` says whether it still holds it. */
  beat(extend: () => Promise<boolean | undefined>): void {
    this.beatTimer = setInterval(() => {
      void extend().then((held) => {
        if (this.ended) return;
        if (held === true) this.arm();
        else if (held === false) this.finish('the lease was lost: another worker holds the task, or its run ended');
      });
    }, (this.seconds * 1000) / 2);
    this.beatTimer.unref();
  }

  end(): void {
    this.ended = true;
    clearTimeout(this.endTimer);
    clearInterval(this.beatTimer);
  }

  private arm(): void {
    clearTimeout(this.endTimer);
    this.endTimer = setTimeout(() => this.finish(`the lease of ${this.seconds} s ended`), this.seconds * 1000);
    this.endTimer.unref();
  }

  private finish(reason: string): void {
    if (this.ended) return;
    this.end();
    this.onEnd(reason);
  }
}

/** Sends answers as they come; answers that gather while a call is on its way go in the next one. */
class Reporter {
  private completions: Completion[] = [];
  private failures: Failure[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly queue: TaskQueue,
    private readonly workerId: string,
    private readonly stats: WorkerStats,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** While set, completions wait for the worker's next poll to carry them. */
  private holdCompletions = false;
  private heldSince: number | undefined;

  /** Completions wait for a poll to carry them (true), or go at once, with those waiting (false). */
  hold(hold: boolean): void {
    this.holdCompletions = hold;
    if (!hold && this.completions.length > 0) this.flush();
  }

  complete(completion: Completion): void {
    if (this.completions.length === 0) this.heldSince = Date.now();
    this.completions.push(completion);
    if (!this.holdCompletions) this.flush();
  }

  /** When the oldest completion waiting for a poll arrived; undefined when none waits. */
  oldestHeld(): number | undefined {
    return this.flushing === undefined && this.completions.length > 0 ? this.heldSince : undefined;
  }

  /** The completions waiting and not on their way, for a poll to carry. */
  takeCompletions(): Completion[] {
    return this.flushing === undefined ? this.completions.splice(0) : [];
  }

  /**
   * Runs the call that carries `completions` and counts them. If it fails, the answers go again on
   * their own (a repeated answer changes nothing), and the error is the poll's.
   */
  async carry<T>(completions: Completion[], call: () => Promise<T>): Promise<T> {
    this.stats.reportCalls += 1;
    try {
      const result = await call();
      this.stats.completed += completions.length;
      this.stats.carriedCompletions += completions.length;
      return result;
    } catch (error) {
      this.completions.unshift(...completions);
      this.flush();
      throw error;
    }
  }

  fail(failure: Failure): void {
    this.failures.push(failure);
    this.flush();
  }

  async drain(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  /** A refused report leaves its tasks leased: they are claimed again when the lease ends. */
  private async send<T>(batch: T[], counter: 'completed' | 'failed', call: (batch: T[]) => Promise<void>): Promise<void> {
    if (batch.length === 0) return;
    this.stats.reportCalls += 1;
    try {
      await call(batch);
      this.stats[counter] += batch.length;
    } catch (error) {
      this.onError(error);
    }
  }

  private flush(): void {
    this.flushing ??= (async () => {
      while (this.completions.length > 0 || this.failures.length > 0) {
        const completions = this.completions.splice(0);
        const failures = this.failures.splice(0);
        await this.send(completions, 'completed', (batch) => this.queue.complete(batch, this.workerId));
        await this.send(failures, 'failed', (batch) => this.queue.fail(batch, this.workerId));
      }
      this.flushing = undefined;
    })();
  }
}
