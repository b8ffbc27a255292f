import { afterEach, describe, expect, test } from 'vitest';

import {
  Flow,
  FlowMismatchError,
  LeaseLostError,
  startWorker,
  type ClaimedTask,
  type Completion,
  type Failure,
  type FlowCheck,
  type PollRequest,
  type TaskKey,
  type TaskQueue,
  type Worker,
  flowShape,
} from '../../src/index.js';

const RUN = '11111111-1111-1111-1111-111111111111';

/** A queue in memory: hands out its tasks to polls and records every call. */
class FakeQueue implements TaskQueue {
  readonly polls: PollRequest[] = [];
  readonly completeCalls: Completion[][] = [];
  readonly failCalls: Failure[][] = [];
  readonly reportingWorkers = new Set<string>();
  readonly leaseExtensions: { taskIndex: number; seconds: number; workerId: string }[] = [];
  pollError: Error | undefined;
  reportDelayMs = 0;
  /** What extendLease answers: whether the worker still holds the task. */
  holdsLeases = true;

  constructor(private readonly tasks: ClaimedTask[]) {}

  async poll(request: PollRequest): Promise<ClaimedTask[]> {
    this.polls.push(request);
    const error = this.pollError;
    this.pollError = undefined;
    if (error !== undefined) throw error;
    const claimed = this.tasks.splice(0, request.qty);
    if (claimed.length === 0) await delay(5);
    return claimed;
  }

  async complete(completions: readonly Completion[], workerId: string): Promise<void> {
    this.reportingWorkers.add(workerId);
    await delay(this.reportDelayMs);
    this.completeCalls.push([...completions]);
  }

  async fail(failures: readonly Failure[], workerId: string): Promise<void> {
    this.reportingWorkers.add(workerId);
    await delay(this.reportDelayMs);
    this.failCalls.push([...failures]);
  }

  async extendLease(task: TaskKey, seconds: number, workerId: string): Promise<boolean> {
    this.leaseExtensions.push({ taskIndex: task.taskIndex, seconds, workerId });
    return this.holdsLeases;
  }

  get completed(): Completion[] {
    return this.completeCalls.flat();
  }

  get failed(): Failure[] {
    return this.failCalls.flat();
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Tasks as a claim gives them, each leased for `leaseSeconds`. */
function fanoutTasks(n: number, leaseSeconds = 60): ClaimedTask[] {
  return Array.from({ length: n }, (_, i) => ({ flowSlug: 'f', runId: RUN, stepSlug: 'each', taskIndex: i, input: { item: i }, leaseSeconds }));
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 5_000) throw new Error(`timed out waiting until ${what}`);
    await delay(5);
  }
}

const workers: Worker[] = [];
function start(options: Parameters<typeof startWorker>[0]): Worker {
  const worker = startWorker({ handleSignals: false, onError: () => {}, ...options });
  workers.push(worker);
  return worker;
}
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
});

describe('startWorker', () => {
  test('runs each task with its step handler and reports the outputs', async () => {
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, (n) => ({ square: n * n }));
    const queue = new FakeQueue(fanoutTasks(25));
    const worker = start({ flow, queue, concurrency: 4, batchSize: 3 });
    await until(() => queue.completed.length === 25, 'every task is reported');
    await worker.stop();
    const outputs = queue.completed.sort((a, b) => a.taskIndex - b.taskIndex);
    expect(outputs.map((c) => [c.taskIndex, c.outputJson])).toEqual(
      Array.from({ length: 25 }, (_, i) => [i, JSON.stringify({ square: i * i })]),
    );
    expect(queue.polls.every((poll) => poll.flowSlug === 'f' && poll.qty >= 1 && poll.qty <= 3)).toBe(true);
    expect(worker.stats).toMatchObject({ claimed: 25, completed: 25, failed: 0, abandoned: 0 });
  });

  test('claims and answers under one worker id of its own', async () => {
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, (n) => {
      if (n === 1) throw new Error('no');
      return n;
    });
    const queue = new FakeQueue(fanoutTasks(3));
    const worker = start({ flow, queue });
    const other = start({ flow, queue: new FakeQueue([]) });
    await until(() => queue.completed.length + queue.failed.length === 3, 'every task is answered');
    expect(worker.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(other.id).not.toBe(worker.id);
    expect(new Set(queue.polls.map((poll) => poll.workerId))).toEqual(new Set([worker.id]));
    expect(queue.reportingWorkers).toEqual(new Set([worker.id]));
  });

  test('never runs more than `concurrency` handlers, and polls for free slots before the batch ends', async () => {
    let running = 0;
    let peak = 0;
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await delay(n % 2 === 0 ? 2 : 30); // uneven tasks: fast slots free up while slow ones run
      running -= 1;
      return n;
    });
    const queue = new FakeQueue(fanoutTasks(40));
    const worker = start({ flow, queue, concurrency: 5, batchSize: 5 });
    await until(() => queue.completed.length === 40, 'every task is reported');
    expect(peak).toBe(5);
    expect(worker.stats.peakConcurrency).toBe(5);
    // Polls asked for fewer than a full batch: the worker refilled the slots that had freed.
    expect(queue.polls.some((poll) => poll.qty < 5)).toBe(true);
  });

  test('a thrown error fails the task with its message; other tasks complete', async () => {
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, (n) => {
      if (n === 3) throw new Error('item 3 is broken');
      if (n === 4) throw 'a thrown string';
      return n;
    });
    const queue = new FakeQueue(fanoutTasks(6));
    start({ flow, queue });
    await until(() => queue.completed.length + queue.failed.length === 6, 'every task is answered');
    expect(queue.failed.sort((a, b) => a.taskIndex - b.taskIndex)).toEqual([
      { runId: RUN, stepSlug: 'each', taskIndex: 3, errorMessage: 'item 3 is broken' },
      { runId: RUN, stepSlug: 'each', taskIndex: 4, errorMessage: 'a thrown string' },
    ]);
    expect(queue.completed.map((c) => c.taskIndex).sort()).toEqual([0, 1, 2, 5]);
  });

  test('an output that is not JSON fails the task instead of the worker', async () => {
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, () => ({ big: 1n }));
    const queue = new FakeQueue(fanoutTasks(1));
    start({ flow, queue });
    await until(() => queue.failed.length === 1, 'the task fails');
    expect(queue.failed[0]?.errorMessage).toMatch(/BigInt/);
  });

  test('a handler that returns nothing completes with null', async () => {
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, () => undefined);
    const queue = new FakeQueue(fanoutTasks(1));
    start({ flow, queue });
    await until(() => queue.completed.length === 1, 'the task completes');
    expect(queue.completed[0]?.outputJson).toBe('null');
  });

  test('a task of a step the flow does not have fails with a message naming it', async () => {
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, (n) => n);
    const queue = new FakeQueue([{ flowSlug: 'f', runId: RUN, stepSlug: 'gone', taskIndex: 0, input: {}, leaseSeconds: 60 }]);
    start({ flow, queue });
    await until(() => queue.failed.length === 1, 'the task fails');
    expect(queue.failed[0]?.errorMessage).toBe("this worker's flow 'f' has no step 'gone'");
  });

  test('answers that gather while a report is on its way go in one batch call', async () => {
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, (n) => n);
    const queue = new FakeQueue(fanoutTasks(50));
    queue.reportDelayMs = 20;
    const worker = start({ flow, queue, concurrency: 50, batchSize: 50 });
    await until(() => queue.completed.length === 50, 'every task is reported');
    expect(queue.completeCalls.length).toBeLessThan(50);
    expect(Math.max(...queue.completeCalls.map((call) => call.length))).toBeGreaterThan(1);
    expect(worker.stats.reportCalls).toBe(queue.completeCalls.length);
  });

  test('a failed poll is reported to onError and polling goes on', async () => {
    const errors: unknown[] = [];
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, (n) => n);
    const queue = new FakeQueue(fanoutTasks(3));
    queue.pollError = new Error('connection lost');
    start({ flow, queue, onError: (error) => errors.push(error), pollIntervalMs: 1 });
    await until(() => queue.completed.length === 3, 'every task is reported');
    expect(errors).toEqual([new Error('connection lost')]);
  });

  test('stop waits for running handlers and reports their answers', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, async (n) => {
      await gate;
      return n;
    });
    const queue = new FakeQueue(fanoutTasks(3));
    const worker = start({ flow, queue, concurrency: 3 });
    await until(() => worker.stats.claimed === 3, 'the tasks are claimed');
    const stopping = worker.stop();
    await delay(20);
    expect(queue.completed).toEqual([]);
    release();
    await stopping;
    expect(queue.completed.map((c) => c.taskIndex).sort()).toEqual([0, 1, 2]);
    const pollsAtStop = queue.polls.length;
    await delay(30);
    expect(queue.polls.length).toBe(pollsAtStop);
  });

  test('stop abandons handlers that outlive the shutdown timeout: aborted, never reported', async () => {
    let aborted = 0;
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, async (n, { signal }) => {
      if (n === 0) return n;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      aborted += 1;
      return n;
    });
    const queue = new FakeQueue(fanoutTasks(3));
    const worker = start({ flow, queue, concurrency: 3, shutdownTimeoutMs: 30 });
    await until(() => queue.completed.length === 1, 'the quick task is reported');
    await worker.stop();
    await delay(10);
    expect(aborted).toBe(2);
    expect(worker.stats.abandoned).toBe(2);
    expect(queue.completed.map((c) => c.taskIndex)).toEqual([0]);
    expect(queue.failed).toEqual([]);
  });

  test('SIGTERM stops the worker gracefully', async () => {
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, (n) => n);
    const queue = new FakeQueue(fanoutTasks(2));
    const worker = startWorker({ flow, queue, onError: () => {} });
    await until(() => queue.completed.length === 2, 'every task is reported');
    process.emit('SIGTERM');
    await worker.stopped;
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });

  test('polls without a lease when none is given, so each task gets its step timeout', async () => {
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, (n) => n);
    const queue = new FakeQueue(fanoutTasks(1));
    start({ flow, queue });
    await until(() => queue.completed.length === 1, 'the task is reported');
    expect(queue.polls[0]?.visibilityTimeout).toBeNull();
    const leased = new FakeQueue(fanoutTasks(1));
    start({ flow, queue: leased, visibilityTimeout: 7 });
    await until(() => leased.completed.length === 1, 'the task is reported');
    expect(leased.polls[0]?.visibilityTimeout).toBe(7);
  });

  test('a handler still running at half its lease has the lease extended, again and again', async () => {
    // The claim gives a lease of 1 s (the step's timeout): heartbeats every 500 ms.
    const flow = new Flow<number[]>({ slug: 'f', timeout: 30 }).map({ slug: 'each', timeout: 1 }, async (n, { signal }) => {
      await delay(1_700);
      return signal.aborted ? 'aborted' : n;
    });
    const queue = new FakeQueue(fanoutTasks(1, 1));
    const worker = start({ flow, queue });
    await until(() => queue.completed.length === 1, 'the task is reported');
    expect(queue.completed[0]?.outputJson).toBe('0');
    expect(queue.leaseExtensions.length).toBeGreaterThanOrEqual(3);
    expect(queue.leaseExtensions.every((e) => e.seconds === 1 && e.workerId === worker.id)).toBe(true);
    expect(worker.stats.heartbeats).toBe(queue.leaseExtensions.length);
  });

  test('a lost lease aborts the handler, whose answer is then not sent', async () => {
    let reason: unknown;
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each', timeout: 1 }, async (n, { signal }) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      reason = signal.reason;
      return n;
    });
    const queue = new FakeQueue(fanoutTasks(1, 1));
    queue.holdsLeases = false;
    const worker = start({ flow, queue });
    await until(() => worker.stats.leasesLost === 1 && reason !== undefined, 'the lease is lost');
    await delay(20);
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(queue.completed).toEqual([]);
  });

  test('a handler that reads its signal only after the lease ended finds it aborted with the reason', async () => {
    let signal: AbortSignal | undefined;
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, async (_n, context) => {
      await delay(1_300); // past the 1 s lease, without having read the signal
      signal = context.signal;
      return 1;
    });
    const queue = new FakeQueue(fanoutTasks(1, 1));
    start({ flow, queue, heartbeat: false });
    await until(() => signal !== undefined, 'the handler read its signal');
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(LeaseLostError);
  });

  test('without heartbeats the signal is aborted when the lease ends', async () => {
    let abortedAfterMs = 0;
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, async (n, { signal }) => {
      const started = Date.now();
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      abortedAfterMs = Date.now() - started;
      return n;
    });
    const queue = new FakeQueue(fanoutTasks(1, 1));
    start({ flow, queue, visibilityTimeout: 1, heartbeat: false });
    await until(() => queue.completed.length === 1, 'the task is reported');
    expect(abortedAfterMs).toBeGreaterThanOrEqual(950);
    expect(queue.leaseExtensions).toEqual([]);
  });

  test('refuses bad options', () => {
    const flow = new Flow<number[]>({ slug: 'f' });
    const queue = new FakeQueue([]);
    expect(() => startWorker({ flow, queue, concurrency: 0 })).toThrow('concurrency must be an integer of at least 1, got 0');
    expect(() => startWorker({ flow, queue, batchSize: 2.5 })).toThrow('batchSize must be an integer of at least 1, got 2.5');
    expect(() => startWorker({ flow })).toThrow('give exactly one of connectionString, sql or queue');
    expect(() => startWorker({ flow, queue, connectionString: 'postgres://x' })).toThrow(
      'give exactly one of connectionString, sql or queue',
    );
    expect(() => startWorker({ flow, connectionString: [] })).toThrow('connectionString: give at least one address');
  });
});

describe('answers carried by the next poll', () => {
  /** A queue with the combined call: it records each call's completions and what it claimed. */
  class CombiningQueue extends FakeQueue {
    readonly combinedCalls: { completions: Completion[]; claimed: number[] }[] = [];
    combinedError: Error | undefined;

    async completeAndPoll(completions: readonly Completion[], request: PollRequest): Promise<ClaimedTask[]> {
      const error = this.combinedError;
      this.combinedError = undefined;
      if (error !== undefined) throw error;
      this.completeCalls.push([...completions]);
      const claimed = await this.poll(request);
      this.combinedCalls.push({ completions: [...completions], claimed: claimed.map((t) => t.taskIndex) });
      return claimed;
    }
  }

  test('a worker whose slots are full reports the answers that free them with the poll that fills them', async () => {
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, async (n) => {
      await delay(2);
      return n;
    });
    const queue = new CombiningQueue(fanoutTasks(30));
    const worker = start({ flow, queue, concurrency: 3, batchSize: 3 });
    await until(() => queue.completed.length === 30, 'every task is reported');
    await worker.stop();
    expect(queue.completed.map((c) => c.taskIndex).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(queue.combinedCalls.length).toBeGreaterThan(0);
    expect(worker.stats.carriedCompletions).toBe(queue.combinedCalls.reduce((sum, call) => sum + call.completions.length, 0));
    expect(worker.stats.carriedCompletions).toBeGreaterThan(0);
    expect(worker.stats).toMatchObject({ claimed: 30, completed: 30 });
    // Fewer calls than a report and a poll for each batch.
    expect(worker.stats.reportCalls + queue.polls.length - queue.combinedCalls.length).toBeLessThan(30 + queue.polls.length);
  });

  test('answers a failed combined call carried go again on their own; none is lost', async () => {
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, (n) => n);
    const queue = new CombiningQueue(fanoutTasks(12));
    queue.combinedError = new Error('connection lost');
    const errors: unknown[] = [];
    const worker = start({ flow, queue, concurrency: 2, batchSize: 2, onError: (e) => errors.push(e) });
    await until(() => new Set(queue.completed.map((c) => c.taskIndex)).size === 12, 'every task is reported');
    await worker.stop();
    expect(errors.map(String)).toEqual(['Error: connection lost']);
    expect(worker.stats.completed).toBe(12);
  });

  /** A combining queue whose claims take `ms` each; it counts how many are on their way at once. */
  class SlowQueue extends CombiningQueue {
    inFlight = 0;
    peakInFlight = 0;

    constructor(tasks: ClaimedTask[], private readonly ms: number) {
      super(tasks);
    }

    override async poll(request: PollRequest): Promise<ClaimedTask[]> {
      this.inFlight += 1;
      this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
      await delay(this.ms);
      this.inFlight -= 1;
      return super.poll(request);
    }
  }

  test('a worker whose slots hold two batches has two claims on their way at once, never more handlers than its slots', async () => {
    let running = 0;
    let peak = 0;
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await delay(5);
      running -= 1;
      return n;
    });
    const queue = new SlowQueue(fanoutTasks(200), 10);
    const worker = start({ flow, queue, concurrency: 20, batchSize: 10 });
    await until(() => queue.completed.length === 200, 'every task is reported');
    await worker.stop();
    expect(queue.peakInFlight).toBe(2);
    expect(peak).toBeLessThanOrEqual(20);
    expect(queue.completed.map((c) => c.taskIndex).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    // Nearly every answer rode on a claim.
    expect(worker.stats.carriedCompletions).toBeGreaterThanOrEqual(180);
  });

  test('a worker of one batch of slots has one claim on its way at a time', async () => {
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, (n) => n);
    const queue = new SlowQueue(fanoutTasks(50), 5);
    start({ flow, queue, concurrency: 10, batchSize: 10 });
    await until(() => queue.completed.length === 50, 'every task is reported');
    expect(queue.peakInFlight).toBe(1);
  });

  test('answers held for a poll are sent when the worker stops', async () => {
    let open = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, async (n) => {
      if (n === 0) await gate;
      return n;
    });
    const queue = new CombiningQueue(fanoutTasks(1));
    const worker = start({ flow, queue, concurrency: 1, batchSize: 1 });
    await until(() => worker.stats.claimed === 1, 'the task is claimed');
    const stopping = worker.stop();
    open();
    await stopping;
    expect(queue.completed.map((c) => c.taskIndex)).toEqual([0]);
  });
});

describe('the flow check at start', () => {
  const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'each' }, (n) => n);

  class CheckingQueue extends FakeQueue {
    readonly checks: { flowSlug: string; shape: unknown; compile: boolean }[] = [];

    constructor(private readonly answer: FlowCheck) {
      super(fanoutTasks(3));
    }

    async checkFlow(flowSlug: string, shape: unknown, compile: boolean): Promise<FlowCheck> {
      this.checks.push({ flowSlug, shape, compile });
      return this.answer;
    }
  }

  test("a worker whose flow differs from the database's stops with the differences, claiming nothing", async () => {
    const queue = new CheckingQueue({ status: 'mismatch', differences: ['each: deps {} -> {list}', 'flow: timeout 60 -> 5'] });
    const errors: unknown[] = [];
    const worker = startWorker({ flow, queue, handleSignals: false, onError: (e) => errors.push(e) });
    await expect(worker.ready).rejects.toBeInstanceOf(FlowMismatchError);
    const error = await worker.stopped.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(FlowMismatchError);
    expect((error as FlowMismatchError).differences).toEqual(['each: deps {} -> {list}', 'flow: timeout 60 -> 5']);
    expect((error as Error).message).toBe(
      "flow 'f' in the database differs from this worker's: each: deps {} -> {list}; flow: timeout 60 -> 5");
    expect(errors).toEqual([error]);
    expect(queue.polls).toHaveLength(0);
    expect(queue.checks).toEqual([{ flowSlug: 'f', shape: flowShape(flow), compile: false }]);
  });

  test('a missing flow stops the worker unless it may compile it', async () => {
    const missing = new CheckingQueue({ status: 'missing', differences: [] });
    const worker = startWorker({ flow, queue: missing, handleSignals: false, onError: () => {} });
    await expect(worker.stopped).rejects.toThrow("flow 'f' is not in the database: load it (pgflow-compile) or start the worker with compile: true");
    expect(missing.polls).toHaveLength(0);

    const compiled = new CheckingQueue({ status: 'compiled', differences: [] });
    const compiling = startWorker({ flow, queue: compiled, compile: true, handleSignals: false, onError: () => {} });
    await compiling.ready;
    expect(compiled.checks.map((c) => c.compile)).toEqual([true]);
    await until(() => compiled.completed.length === 3, 'the three tasks are answered');
    await compiling.stop();
    expect(compiled.checks.map((c) => c.compile)).toEqual([true]);
  });
});
