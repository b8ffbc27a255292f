import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { compileFlow, Flow, FlowMismatchError, flowShape, runFlow, startWorker } from '../../src/index.js';
import { connect, databaseUrl } from './database.js';

// A flow is defined once in the database and a worker runs its code: when the two part ways the
// worker refuses to start, and loading the changed definition is refused, naming each difference.

const crawlV1 = new Flow<{ urls: string[] }>({ slug: 'e2e_crawl' })
  .step({ slug: 'list' }, ({ run }) => run.urls)
  .step({ slug: 'seed' }, () => ['seeded'])
  .step({ slug: 'fetch', dependsOn: ['list'], fanout: true, maxAttempts: 3 }, ({ item }) => item.length);

// The edit of the issue: fetch now depends on seed and has five attempts.
const crawlV2 = new Flow<{ urls: string[] }>({ slug: 'e2e_crawl' })
  .step({ slug: 'list' }, ({ run }) => run.urls)
  .step({ slug: 'seed' }, () => ['seeded'])
  .step({ slug: 'fetch', dependsOn: ['seed'], fanout: true, maxAttempts: 5 }, ({ item }) => item.length);

let sql: Sql;

beforeAll(async () => {
  sql = connect();
  for (const statement of compileFlow(crawlV1)) await sql.unsafe(statement);
});

afterAll(async () => {
  await sql?.end();
});

describe('a changed flow is never silently ignored', () => {
  test('the stored shape is the one the DSL computes', async () => {
    const [row] = await sql`select pgflow.flow_shape('e2e_crawl') as shape`;
    expect(row?.['shape']).toEqual(flowShape(crawlV1));
  });

  test('a worker started with the changed flow stops with the differences and claims nothing', async () => {
    const errors: unknown[] = [];
    const worker = startWorker({ flow: crawlV2, connectionString: databaseUrl(), handleSignals: false, onError: (e) => errors.push(e) });
    const error = await worker.stopped.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(FlowMismatchError);
    expect((error as FlowMismatchError).differences).toEqual(['fetch: deps {list} -> {seed}, max_attempts 3 -> 5']);
    expect(worker.stats.claimed).toBe(0);
    expect(errors).toEqual([error]);
  });

  test('loading the changed definition is refused with each difference, and changes nothing', async () => {
    const statements = compileFlow(crawlV2);
    for (const statement of statements.slice(0, 3)) await sql.unsafe(statement);
    const refused = await sql.unsafe(statements[3] as string).then(() => undefined, (e: unknown) => e);
    expect(refused).toMatchObject({
      code: '42710',
      message: expect.stringContaining("step 'fetch' of flow 'e2e_crawl' is already defined differently: deps {list} -> {seed}, max_attempts 3 -> 5"),
    });
    const [row] = await sql`select pgflow.flow_shape('e2e_crawl') as shape`;
    expect(row?.['shape']).toEqual(flowShape(crawlV1));
  });

  test('the worker of the stored flow starts and runs it', async () => {
    const worker = startWorker({ flow: crawlV1, connectionString: databaseUrl(), handleSignals: false, maxPollSeconds: 1 });
    try {
      const output = await runFlow(crawlV1, { urls: ['a', 'bb', 'ccc'] }, { sql, timeoutMs: 30_000 });
      expect(output).toEqual({ seed: ['seeded'], fetch: [1, 2, 3] });
    } finally {
      await worker.stop();
    }
  });

  test('a flow with conditions loads, the worker verifies it, and each run takes its branch', async () => {
    const gated = new Flow<{ send: boolean }>({ slug: 'e2e_gated' })
      .step({ slug: 'check' }, ({ run }) => ({ ok: run.send }))
      .step({ slug: 'notify', dependsOn: ['check'], if: { check: { ok: true } } }, () => 'sent')
      .step({ slug: 'after', dependsOn: ['notify'] }, ({ notify }) => notify ?? 'quiet');
    for (const statement of compileFlow(gated)) await sql.unsafe(statement);
    const [row] = await sql`select pgflow.flow_shape('e2e_gated') as shape`;
    expect(row?.['shape']).toEqual(flowShape(gated));
    const worker = startWorker({ flow: gated, connectionString: databaseUrl(), handleSignals: false, maxPollSeconds: 1 });
    try {
      await worker.ready;
      expect(await runFlow(gated, { send: true }, { sql, timeoutMs: 30_000 })).toEqual({ after: 'sent' });
      expect(await runFlow(gated, { send: false }, { sql, timeoutMs: 30_000 })).toEqual({ after: 'quiet' });
    } finally {
      await worker.stop();
    }
  });

  test("a root step's condition is matched against the run input itself, as pgflow matches it", async () => {
    const roles = new Flow<{ role: string }>({ slug: 'e2e_roles' })
      .step({ slug: 'admin', if: { role: 'admin' } }, () => 'hello admin')
      .step({ slug: 'always' }, ({ run }) => run.role);
    for (const statement of compileFlow(roles)) await sql.unsafe(statement);
    const worker = startWorker({ flow: roles, connectionString: databaseUrl(), handleSignals: false, maxPollSeconds: 1 });
    try {
      await worker.ready;
      expect(await runFlow(roles, { role: 'admin' }, { sql, timeoutMs: 30_000 })).toEqual({ admin: 'hello admin', always: 'admin' });
      expect(await runFlow(roles, { role: 'guest' }, { sql, timeoutMs: 30_000 })).toEqual({ always: 'guest' });
    } finally {
      await worker.stop();
    }
  });

  test('a map over a path runs over the array at that path', async () => {
    const paged = new Flow<{ page: { rows: number[] } }>({ slug: 'e2e_paged' })
      .map({ slug: 'double', path: 'page.rows' }, (n) => n * 2);
    for (const statement of compileFlow(paged)) await sql.unsafe(statement);
    const worker = startWorker({ flow: paged, connectionString: databaseUrl(), handleSignals: false, maxPollSeconds: 1 });
    try {
      await worker.ready;
      expect(await runFlow(paged, { page: { rows: [1, 2, 3] } }, { sql, timeoutMs: 30_000 })).toEqual({ double: [2, 4, 6] });
    } finally {
      await worker.stop();
    }
  });

  test('compile: true creates a missing flow, and a second worker verifies it', async () => {
    const fresh = new Flow<number[]>({ slug: 'e2e_compiled_by_worker', timeout: 10 }).map({ slug: 'square' }, (n) => n * n);
    const first = startWorker({ flow: fresh, connectionString: databaseUrl(), compile: true, handleSignals: false, maxPollSeconds: 1 });
    for (let waited = 0; ; waited += 10) {
      const [row] = await sql`select count(*)::int as n from pgflow.flows where flow_slug = 'e2e_compiled_by_worker'`;
      if (row?.['n'] === 1) break;
      if (waited > 10_000) throw new Error('the worker did not compile its flow');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const second = startWorker({ flow: fresh, connectionString: databaseUrl(), handleSignals: false, maxPollSeconds: 1 });
    try {
      expect(await runFlow(fresh, [1, 2, 3], { sql, timeoutMs: 30_000 })).toEqual({ square: [1, 4, 9] });
      const [row] = await sql`select pgflow.flow_shape('e2e_compiled_by_worker') as shape`;
      expect(row?.['shape']).toEqual(flowShape(fresh));
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
    const missing = startWorker({
      flow: new Flow<number[]>({ slug: 'e2e_not_there' }).map({ slug: 'x' }, (n) => n),
      connectionString: databaseUrl(), handleSignals: false, onError: () => {},
    });
    await expect(missing.stopped).rejects.toThrow("flow 'e2e_not_there' is not in the database");
  });
});
