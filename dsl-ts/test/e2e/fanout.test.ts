import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { compileFlow, Flow, RunFailedError, runFlow, startWorker, type Worker } from '../../src/index.js';
import { connect, databaseUrl } from './database.js';

interface Item {
  id: number;
  /** Fail the first attempt of this item's task. */
  flaky?: boolean;
  /** Fail every attempt. */
  broken?: boolean;
}

const failedOnce = new Set<string>();

// An example flow as users write one: a single step makes the list, a fan-out handles each
// element, and a single step aggregates the ordered outputs.
export const enrich = new Flow<{ items: Item[] }>({ slug: 'e2e_enrich', maxAttempts: 3, baseDelay: 0, timeout: 30 })
  .step({ slug: 'list' }, ({ run }) => run.items)
  .step({ slug: 'enrich', dependsOn: ['list'], fanout: true }, async ({ item }, { runId, taskIndex }) => {
    await new Promise((resolve) => setImmediate(resolve));
    const key = `${runId}/${taskIndex}`;
    if (item.broken) throw new Error(`item ${item.id} is broken`);
    if (item.flaky && !failedOnce.has(key)) {
      failedOnce.add(key);
      throw new Error(`item ${item.id} failed once`);
    }
    return { id: item.id, double: item.id * 2 };
  })
  .step({ slug: 'summary', dependsOn: ['enrich', 'list'] }, ({ enrich, list }) => ({
    count: enrich.length,
    ids: enrich.map((e) => e.id),
    listed: list.length,
  }));

let sql: Sql;
let workers: Worker[] = [];

beforeAll(async () => {
  sql = connect();
  await sql`select 1 from pgflow.flows where false`; // fails early with a clear error without the extension
  for (const statement of compileFlow(enrich)) await sql.unsafe(statement);
  // Two workers, each on its own connections, as two processes would run them.
  workers = [1, 2].map(() =>
    startWorker({ flow: enrich, connectionString: databaseUrl(), batchSize: 20, concurrency: 20, handleSignals: false, maxPollSeconds: 1 }),
  );
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await sql?.end();
});

const items = (n: number, extra: (id: number) => Partial<Item> = () => ({})): Item[] =>
  Array.from({ length: n }, (_, id) => ({ id, ...extra(id) }));

describe('a compiled flow run by two workers', () => {
  test('the compiled definition is what the extension stores', async () => {
    const steps = await sql`
      select s.step_slug, s.step_type, s.opt_max_attempts,
             coalesce(array_agg(d.dep_slug order by d.dep_slug) filter (where d.dep_slug is not null), '{}') as deps
      from pgflow.steps s left join pgflow.deps d using (flow_slug, step_slug)
      where s.flow_slug = 'e2e_enrich'
      group by s.step_slug, s.step_type, s.opt_max_attempts, s.step_index order by s.step_index`;
    expect(steps.map((row) => ({ ...row }))).toEqual([
      { step_slug: 'list', step_type: 'single', opt_max_attempts: null, deps: [] },
      { step_slug: 'enrich', step_type: 'fanout', opt_max_attempts: null, deps: ['list'] },
      { step_slug: 'summary', step_type: 'single', opt_max_attempts: null, deps: ['enrich', 'list'] },
    ]);
    const [flow] = await sql`select opt_max_attempts, opt_base_delay, opt_timeout from pgflow.flows where flow_slug = 'e2e_enrich'`;
    expect({ ...flow }).toEqual({ opt_max_attempts: 3, opt_base_delay: 0, opt_timeout: 30 });
  });

  test('a fan-out over 1,000 items completes with every output, in order', async () => {
    const before = workers.map((worker) => worker.stats.completed);
    const output = await runFlow(enrich, { items: items(1000) }, { sql, timeoutMs: 50_000 });
    expect(output).toEqual({
      summary: { count: 1000, ids: Array.from({ length: 1000 }, (_, i) => i), listed: 1000 },
    });
    const [enriched] = await sql<{ output: unknown }[]>`
      select ss.output from pgflow.step_states ss join pgflow.runs r using (run_id)
      where r.flow_slug = 'e2e_enrich' and ss.step_slug = 'enrich' order by r.started_at desc limit 1`;
    expect(enriched?.output).toEqual(Array.from({ length: 1000 }, (_, id) => ({ id, double: id * 2 })));
    const done = workers.map((worker, i) => worker.stats.completed - (before[i] ?? 0));
    expect(done.reduce((a, b) => a + b, 0)).toBe(1002);
    expect(done.every((count) => count > 0)).toBe(true); // both workers took part
    // Answers went in batches: fewer report calls than answers.
    expect(workers.every((worker) => worker.stats.reportCalls < worker.stats.completed)).toBe(true);
    // With every slot busy, answers rode on the poll that claimed the next tasks
    // (pgflow.complete_tasks_and_poll): one call and one commit for both.
    // Which worker's poll comes at such a moment is timing: one of them, at least.
    expect(workers.some((worker) => worker.stats.carriedCompletions > 0)).toBe(true);
  });

  test('items that fail once are retried and the run still completes in order', async () => {
    const flaky = (id: number) => id % 7 === 0;
    const output = await runFlow(enrich, { items: items(300, (id) => ({ flaky: flaky(id) })) }, { sql, timeoutMs: 50_000 });
    expect(output.summary.ids).toEqual(Array.from({ length: 300 }, (_, i) => i));
    const attempts = await sql<{ task_index: number; attempts_count: number; status: string }[]>`
      select t.task_index, t.attempts_count, t.status from pgflow.step_tasks t
      where t.step_slug = 'enrich'
        and t.run_id = (select run_id from pgflow.runs where flow_slug = 'e2e_enrich' order by started_at desc limit 1)
      order by t.task_index`;
    expect(attempts).toHaveLength(300);
    for (const task of attempts) {
      expect(task).toEqual({ task_index: task.task_index, status: 'completed', attempts_count: flaky(task.task_index) ? 2 : 1 });
    }
  });

  test('an item that fails every attempt fails the run, and runFlow rejects with the reason', async () => {
    const run = runFlow(enrich, { items: items(50, (id) => ({ broken: id === 17 })) }, { sql, timeoutMs: 50_000 });
    await expect(run).rejects.toThrow(RunFailedError);
    await expect(run).rejects.toThrow(
      / of flow 'e2e_enrich' failed in step 'enrich': 1 of 50 tasks failed; first error \(task 17\): item 17 is broken$/,
    );
    const [task] = await sql<{ status: string; attempts_count: number; error_message: string }[]>`
      select status, attempts_count, error_message from pgflow.step_tasks
      where step_slug = 'enrich' and task_index = 17
        and run_id = (select run_id from pgflow.runs where flow_slug = 'e2e_enrich' order by started_at desc limit 1)`;
    expect(task).toEqual({ status: 'failed', attempts_count: 3, error_message: 'item 17 is broken' });
  });
});
