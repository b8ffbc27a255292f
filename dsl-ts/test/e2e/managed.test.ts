import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import {
  compileFlow,
  Flow,
  LeaseLostError,
  partition,
  redriveRun,
  RunFailedError,
  runFlow,
  startRun,
  startWorker,
  waitForRun,
  type AnyFlow,
  type Worker,
} from '../../src/index.js';
import { connect, databaseUrl } from './database.js';

// The fan-out as a managed unit, end to end: heartbeats, failure policies, skipping and redrive,
// each flow run by two workers on connections of their own.

/** How many times each item's handler ran, by run and item. */
const calls = new Map<string, number>();
const count = (runId: string, item: unknown) => {
  const key = `${runId}/${String(item)}`;
  calls.set(key, (calls.get(key) ?? 0) + 1);
};

// Each task is leased for its step's timeout, 2 s; every handler runs 5 s.
const slow = new Flow<number[]>({ slug: 'e2e_slow', maxAttempts: 3 }).map({ slug: 'each', timeout: 2 }, async (n, { runId }) => {
  count(runId, n);
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  return n;
});

const tolerant = new Flow<number[]>({ slug: 'e2e_tolerant', maxAttempts: 2, baseDelay: 0 })
  .map({ slug: 'each', fanoutPolicy: 'collect_all' }, (n) => {
    if (n % 10 === 3) throw new Error(`item ${n} is broken`);
    return n * 2;
  })
  .step({ slug: 'report', dependsOn: ['each'] }, ({ each }) => {
    const { values, failures } = partition(each);
    return { sum: values.reduce((a, b) => a + b, 0), failed: failures.map((f) => f.index) };
  });

/** Items that fail until the test repairs them. */
const broken = new Set<number>();
const repairable = new Flow<number[]>({ slug: 'e2e_repairable', maxAttempts: 1 })
  .map({ slug: 'each' }, (n, { runId }) => {
    count(runId, n);
    if (broken.has(n)) throw new Error(`item ${n} is broken`);
    return n;
  })
  .step({ slug: 'optional', whenExhausted: 'skip' }, () => {
    throw new Error('this step always fails, and is skipped');
  })
  .step({ slug: 'total', dependsOn: ['each', 'optional'] }, ({ each, optional }) => ({ total: each.length, optional: optional ?? 'skipped' }));

/** Handlers of the timed flow that saw their signal aborted, and why. */
const abortReasons: unknown[] = [];
const timed = new Flow<number[]>({ slug: 'e2e_timed', runTimeout: 1, timeout: 2 }).map({ slug: 'each' }, async (n, { signal }) => {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 4_000);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      abortReasons.push(signal.reason);
      resolve();
    });
  });
  return n;
});

let sql: Sql;
const workers: Worker[] = [];
const startWorkers = (flow: AnyFlow) => {
  for (let i = 0; i < 2; i += 1) {
    workers.push(startWorker({ flow, connectionString: databaseUrl(), concurrency: 10, handleSignals: false, maxPollSeconds: 1 }));
  }
};

beforeAll(async () => {
  sql = connect();
  for (const flow of [slow, tolerant, repairable, timed]) {
    for (const statement of compileFlow(flow)) await sql.unsafe(statement);
    startWorkers(flow);
  }
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await sql?.end();
});

describe('the fan-out as a managed unit', () => {
  test('a handler that outlives its first lease keeps its task through heartbeats: it runs once', async () => {
    const runId = await startRun(slow, [1, 2, 3], { sql });
    const output = await waitForRun(slow, runId, { sql, timeoutMs: 30_000 });
    expect(output).toEqual({ each: [1, 2, 3] });
    // Each lease (2 s) ran out twice over while its handler ran; no second worker took a task.
    expect([1, 2, 3].map((n) => calls.get(`${runId}/${n}`))).toEqual([1, 1, 1]);
    const attempts = await sql<{ attempts_count: number }[]>`
      select attempts_count from pgflow.step_tasks where run_id = ${runId}::uuid order by task_index`;
    expect(attempts.map((a) => a.attempts_count)).toEqual([1, 1, 1]);
    expect(workers.reduce((sum, worker) => sum + worker.stats.heartbeats, 0)).toBeGreaterThanOrEqual(6);
  }, 40_000);

  test('collect_all: failed items come back as envelopes and the run completes', async () => {
    const input = Array.from({ length: 40 }, (_, i) => i);
    const output = await runFlow(tolerant, input, { sql, timeoutMs: 30_000 });
    const failing = input.filter((n) => n % 10 === 3);
    expect(output.report).toEqual({
      sum: input.filter((n) => n % 10 !== 3).reduce((a, n) => a + n * 2, 0),
      failed: failing,
    });
  });

  test('a run past its run_timeout fails with the reason, and its running handlers learn of it', async () => {
    const runId = await startRun(timed, [1, 2], { sql });
    await expect(waitForRun(timed, runId, { sql, timeoutMs: 20_000 })).rejects.toThrow(
      /failed: timed out: the run did not finish within 1 s of its start \(run_timeout\)$/,
    );
    // Enforced by the workers' polls, without any cron, while both handlers still ran: their tasks
    // were cancelled, and the next heartbeat found the leases lost and aborted the handlers.
    const tasks = await sql<{ status: string }[]>`select status from pgflow.step_tasks where run_id = ${runId}::uuid`;
    expect(tasks.map((t) => t.status)).toEqual(['cancelled', 'cancelled']);
    for (let waited = 0; abortReasons.length < 2 && waited < 10_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(abortReasons).toHaveLength(2);
    expect(abortReasons.every((reason) => reason instanceof LeaseLostError)).toBe(true);
  });

  test('a failed run is redriven: only the items that did not complete run again', async () => {
    broken.add(4);
    const input = Array.from({ length: 10 }, (_, i) => i);
    const runId = await startRun(repairable, input, { sql });
    await expect(waitForRun(repairable, runId, { sql, timeoutMs: 30_000 })).rejects.toThrow(RunFailedError);
    const before = input.map((n) => calls.get(`${runId}/${n}`) ?? 0);
    expect(before[4]).toBe(1);
    // The items whose answer was stored before the run failed (others were cancelled with it,
    // whether or not their handler had run).
    const completed = new Set(
      (await sql<{ task_index: number }[]>`
        select task_index from pgflow.step_tasks
        where run_id = ${runId}::uuid and step_slug = 'each' and status = 'completed'`).map((t) => t.task_index),
    );
    expect(completed.has(4)).toBe(false);

    broken.delete(4);
    expect(await redriveRun(runId, { sql })).toEqual({ status: 'started', redriveCount: 1 });
    const output = await waitForRun(repairable, runId, { sql, timeoutMs: 30_000 });
    expect(output).toEqual({ total: { total: 10, optional: 'skipped' } });
    const after = input.map((n) => calls.get(`${runId}/${n}`) ?? 0);
    // Items that had completed were not run again; the rest ran once more.
    expect(input.map((n) => after[n])).toEqual(input.map((n) => (completed.has(n) ? before[n] : (before[n] ?? 0) + 1)));
    expect(await sql`select * from pgflow.verify_run(${runId}::uuid)`).toEqual([]);
  });
});
