import { Flow as PgflowFlow, compileFlow as pgflowCompileFlow } from '@pgflow/dsl';
import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { startRun, startWorker, toFlow, waitForRun, type Worker } from '../../src/index.js';
import { connect, databaseUrl } from './database.js';

// A flow written for pgflow, with @pgflow/dsl 0.8.1 as the npm registry serves it, compiled by
// pgflow's own compiler and run on this extension by this package's worker, unchanged.
const contexts: unknown[] = [];
const pgflowFlow = new PgflowFlow<number[]>({ slug: 'e2e_from_pgflow', maxAttempts: 2, timeout: 30 })
  .map({ slug: 'doubled' }, (n) => n * 2)
  .array({ slug: 'pairs', dependsOn: ['doubled'] }, (input) => input.doubled.map((d) => [d, d + 1]))
  .map({ slug: 'sums', array: 'pairs' }, (pair: number[]) => pair[0]! + pair[1]!)
  .step({ slug: 'total', dependsOn: ['sums'] }, (input, context) => {
    contexts.push(context);
    return { total: (input.sums as unknown as number[]).reduce((a, b) => a + b, 0), items: input.run.length };
  });

let sql: Sql;
let workers: Worker[] = [];

beforeAll(async () => {
  sql = connect();
  for (const statement of pgflowCompileFlow(pgflowFlow)) await sql.unsafe(statement);
  workers = [1, 2].map(() =>
    startWorker({ flow: pgflowFlow, connectionString: databaseUrl(), batchSize: 10, handleSignals: false, maxPollSeconds: 1 }),
  );
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await sql?.end();
});

describe('a flow built with @pgflow/dsl 0.8.1', () => {
  test("loads from pgflow's own compiled SQL: map steps are fan-outs", async () => {
    const steps = await sql`select step_slug, step_type, deps_count, opt_max_attempts from pgflow.steps
                            where flow_slug = 'e2e_from_pgflow' order by step_index`;
    expect(steps.map((s) => [s['step_slug'], s['step_type'], s['deps_count']])).toEqual([
      ['doubled', 'fanout', 0], ['pairs', 'single', 1], ['sums', 'fanout', 1], ['total', 'single', 1],
    ]);
  });

  test('runs on this extension with the outputs pgflow gives: a root map, an array step, a dependent map', async () => {
    const input = Array.from({ length: 50 }, (_, i) => i);
    const flow = toFlow(pgflowFlow);
    const runId = await startRun(flow, input, { sql });
    const output = await waitForRun(flow, runId, { sql, timeoutMs: 30_000 });
    // pgflow's run output: the leaf steps' outputs by slug.
    const sums = input.map((n) => 4 * n + 1);
    expect(output).toEqual({ total: { total: sums.reduce((a, b) => a + b, 0), items: 50 } });
    const states = await sql`select step_slug, output from pgflow.step_states where run_id = ${runId} order by step_slug`;
    expect(Object.fromEntries(states.map((s) => [s['step_slug'], s['output']]))).toEqual({
      doubled: input.map((n) => 2 * n),
      pairs: input.map((n) => [2 * n, 2 * n + 1]),
      sums,
      total: { total: sums.reduce((a, b) => a + b, 0), items: 50 },
    });
    // A single step's task also carries the run input, as pgflow 0.14 hands it to workers.
    expect(contexts.at(-1)).toMatchObject({ flowSlug: 'e2e_from_pgflow', runId, stepSlug: 'total', flowInput: input });
  });
});
