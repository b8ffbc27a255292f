import postgres, { type Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import {
  compileFlow,
  Flow,
  progress,
  pruneRuns,
  repairRun,
  startRun,
  startWorker,
  stats,
  streamResults,
  waitForRun,
  type TaskResult,
  type Worker,
} from '../../src/index.js';
import { connect, databaseUrl } from './database.js';

// Watching and waiting, end to end: results streamed while two workers run a 10,000-item fan-out,
// waitForRun woken by the extension's NOTIFY, progress, stats, repair and prune.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const streamed = new Flow<number[]>({ slug: 'e2e_streamed' }).map({ slug: 'each' }, async (n) => {
  await sleep(1);
  return n * 3;
});
// No worker runs this one: the test answers its task itself.
const manual = new Flow<{ n: number }>({ slug: 'e2e_manual' }).step({ slug: 'only' }, ({ run }) => run.n);

let sql: Sql;
const workers: Worker[] = [];

beforeAll(async () => {
  sql = connect();
  for (const flow of [streamed, manual]) {
    for (const statement of compileFlow(flow)) await sql.unsafe(statement);
  }
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await sql?.end();
});

describe('watching and waiting', () => {
  test('10,000 results stream in while two workers run them: every index exactly once', async () => {
    const input = Array.from({ length: 10_000 }, (_, i) => i);
    const runId = await startRun(streamed, input, { sql });
    const received: TaskResult<number>[] = [];
    let firstWhileRunning: boolean | undefined;
    const reading = (async () => {
      for await (const result of streamResults<number>(runId, 'each', { sql, pageSize: 500 })) {
        if (firstWhileRunning === undefined) {
          const [step] = await progress(runId, { sql });
          firstWhileRunning = step?.status === 'started';
        }
        received.push(result);
      }
    })();
    for (let i = 0; i < 2; i += 1) {
      workers.push(startWorker({ flow: streamed, connectionString: databaseUrl(), concurrency: 10, handleSignals: false, maxPollSeconds: 1 }));
    }
    await reading;
    expect(firstWhileRunning).toBe(true);
    expect(received).toHaveLength(10_000);
    expect(new Set(received.map((r) => r.taskIndex)).size).toBe(10_000);
    expect(received.every((r) => r.status === 'completed' && r.output === r.taskIndex * 3)).toBe(true);
    expect(received.every((r, i) => i === 0 || r.seq > (received[i - 1] as TaskResult).seq)).toBe(true);

    const [step] = await progress(runId, { sql });
    expect(step).toMatchObject({ stepSlug: 'each', status: 'completed', total: 10_000, completed: 10_000, failed: 0, etaMs: 0 });
    const [flowStats] = await stats({ sql, flowSlug: 'e2e_streamed' });
    expect(flowStats).toMatchObject({ flowSlug: 'e2e_streamed', activeRuns: 0, runsCompletedLastHour: 1, runsFailedLastHour: 0 });
  }, 60_000);

  test('waitForRun sleeps until the NOTIFY of the run\'s end: it looks at the run twice, not every 50 ms', async () => {
    const runId = await startRun(manual, { n: 7 }, { sql });
    let looks = 0;
    const watcher = postgres(databaseUrl(), {
      max: 1,
      onnotice: () => {},
      debug: (_connection, query) => {
        if (query.includes('wait_for_run')) looks += 1;
      },
    });
    try {
      const waiting = waitForRun(manual, runId, { sql: watcher, timeoutMs: 30_000 });
      await sleep(1_500);
      expect(looks).toBe(1);
      await sql`select count(*) from pgflow.poll_for_tasks('e2e_manual', 30, 1, 0) t,
                  pgflow.complete_task(t.run_id, t.step_slug, t.task_index, '7')`;
      await expect(waiting).resolves.toEqual({ only: 7 });
      expect(looks).toBe(2);
    } finally {
      await watcher.end({ timeout: 5 });
    }
  });

  test('repairRun mends a broken counter and pruneRuns deletes old finished runs', async () => {
    const runId = await startRun(manual, { n: 1 }, { sql });
    await sql`update pgflow.step_states set remaining_tasks = 5 where run_id = ${runId}::uuid`;
    expect(await repairRun(runId, { sql })).toEqual([{ subject: 'step only', what: 'remaining_tasks', was: '5', now: '1' }]);
    expect(await repairRun(runId, { sql })).toEqual([]);
    await sql`select status from pgflow.cancel_run(${runId}::uuid)`;
    await sql`update pgflow.runs set cancelled_at = now() - interval '2 days' where run_id = ${runId}::uuid`;
    expect(await pruneRuns({ sql, olderThanMs: 24 * 3600 * 1000, flowSlug: 'e2e_manual' })).toBe(1);
    const [left] = await sql<{ n: number }[]>`select count(*)::int as n from pgflow.runs where run_id = ${runId}::uuid`;
    expect(left?.n).toBe(0);
  });
});
