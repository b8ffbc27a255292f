import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { compileFlow, Flow, runFlow, startRun, startWorker, waitForRun, type AnyFlow, type Worker, type WorkerOptions } from '../../src/index.js';
import { connect, databaseUrl } from './database.js';

// Shapes of fan-out, end to end with real workers: sub-flows three levels deep, caps, batches,
// step-targeted workers and priorities.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const variant = new Flow<{ size: number }>({ slug: 'e2e_variant' }).step({ slug: 'price' }, ({ run }) => run.size * 10);
const product = new Flow<{ sku: string; variants: { size: number }[] }>({ slug: 'e2e_product' })
  .subflow({ slug: 'variants', flow: variant, path: 'variants' })
  .step({ slug: 'total', dependsOn: ['variants'] }, ({ run, variants }) => ({ sku: run.sku, cents: variants.reduce((a, v) => a + v.price, 0) }));
const category = new Flow<{ products: { sku: string; variants: { size: number }[] }[] }>({ slug: 'e2e_category' })
  .subflow({ slug: 'products', flow: product, path: 'products' })
  .step({ slug: 'report', dependsOn: ['products'] }, ({ products }) => products.map((p) => p.total));

/** Handlers of the capped step running now, by run, and the most seen at once. */
const running = new Map<string, number>();
let peak = 0;
const capped = new Flow<number[]>({ slug: 'e2e_capped' }).map({ slug: 'call', maxConcurrency: 3 }, async (n, { runId }) => {
  running.set(runId, (running.get(runId) ?? 0) + 1);
  peak = Math.max(peak, running.get(runId) ?? 0);
  await sleep(20);
  running.set(runId, (running.get(runId) ?? 0) - 1);
  return n;
});

const batchCalls: { size: number; firstIndex: number | undefined }[] = [];
const batched = new Flow<number[]>({ slug: 'e2e_batched' }).batch({ slug: 'double', size: 7 }, (items, { firstIndex }) => {
  batchCalls.push({ size: items.length, firstIndex });
  return items.map((n) => n * 2);
});

const media = new Flow<{ frames: number[] }>({ slug: 'e2e_media' })
  .map({ slug: 'cpu', path: 'frames' }, (n) => n)
  .map({ slug: 'gpu', array: 'cpu' }, (n) => n + 1000);

const order: string[] = [];
const prioritised = new Flow<string[]>({ slug: 'e2e_prioritised' }).map({ slug: 'each' }, (tag) => {
  order.push(tag);
  return tag;
});

let sql: Sql;
const workers: Worker[] = [];
const start = (flow: AnyFlow, options: Partial<WorkerOptions> = {}) => {
  const worker = startWorker({ flow, connectionString: databaseUrl(), handleSignals: false, maxPollSeconds: 1, compile: true, ...options });
  workers.push(worker);
  return worker;
};

beforeAll(async () => {
  sql = connect();
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await sql?.end();
});

describe('shapes of fan-out', () => {
  test('a three-level nested fan-out: each flow\'s worker runs its own tasks, and the output nests in order', async () => {
    // The category's worker compiles the sub-flows it needs first.
    await start(category).ready;
    start(product);
    start(variant);
    const input = {
      products: [
        { sku: 'a', variants: [{ size: 1 }, { size: 2 }] },
        { sku: 'b', variants: [] },
        { sku: 'c', variants: [{ size: 3 }] },
      ],
    };
    const runId = await startRun(category, input, { sql });
    const output = await waitForRun(category, runId, { sql, timeoutMs: 30_000 });
    expect(output.report).toEqual([{ sku: 'a', cents: 30 }, { sku: 'b', cents: 0 }, { sku: 'c', cents: 30 }]);
    const tree = await sql<{ depth: number; flow_slug: string; status: string }[]>`
      select depth, flow_slug, status from pgflow.run_tree(${runId}::uuid)`;
    expect(tree.map((r) => `${r.depth} ${r.flow_slug} ${r.status}`)).toEqual([
      '0 e2e_category completed',
      '1 e2e_product completed', '2 e2e_variant completed', '2 e2e_variant completed',
      '1 e2e_product completed',
      '1 e2e_product completed', '2 e2e_variant completed',
    ]);
  });

  test('a cap holds across workers: never more than 3 tasks of a run at once', async () => {
    await start(capped, { concurrency: 10, batchSize: 10 }).ready;
    await start(capped, { concurrency: 10, batchSize: 10 }).ready;
    const input = Array.from({ length: 60 }, (_, i) => i);
    const output = await runFlow(capped, input, { sql, timeoutMs: 30_000 });
    expect(output.call).toEqual(input);
    expect(peak).toBe(3);
  });

  test('a batch handler gets items 7 at a time and the step outputs one element per item', async () => {
    await start(batched).ready;
    const input = Array.from({ length: 50 }, (_, i) => i);
    const output = await runFlow(batched, input, { sql, timeoutMs: 30_000 });
    expect(output.double).toEqual(input.map((n) => n * 2));
    expect(batchCalls.map((c) => c.size).sort((a, b) => a - b)).toEqual([1, 7, 7, 7, 7, 7, 7, 7]);
    expect(batchCalls.map((c) => c.firstIndex).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([0, 7, 14, 21, 28, 35, 42, 49]);
  });

  test('step-targeted workers take only their steps', async () => {
    const gpu = start(media, { steps: ['gpu'] });
    const cpu = start(media, { steps: ['cpu'] });
    await Promise.all([gpu.ready, cpu.ready]);
    const output = await runFlow(media, { frames: [1, 2, 3] }, { sql, timeoutMs: 30_000 });
    expect(output.gpu).toEqual([1001, 1002, 1003]);
    expect(gpu.stats.completed).toBe(3);
    expect(cpu.stats.completed).toBe(3);
    expect(() => start(media, { steps: ['tpu'] })).toThrow("steps: flow 'e2e_media' has no step \"tpu\"");
  });

  test('a run of higher priority is worked first', async () => {
    for (const statement of compileFlow(prioritised)) await sql.unsafe(statement);
    const low = await startRun(prioritised, ['low1', 'low2', 'low3'], { sql });
    const high = await startRun(prioritised, ['high1', 'high2'], { sql, priority: 10 });
    start(prioritised, { concurrency: 1, batchSize: 1 });
    await waitForRun(prioritised, low, { sql, timeoutMs: 30_000 });
    await waitForRun(prioritised, high, { sql, timeoutMs: 30_000 });
    expect(order.slice(0, 2)).toEqual(['high1', 'high2']);
    expect(order).toHaveLength(5);
  });
});
