import { randomUUID } from 'node:crypto';

import postgres, { type Sql } from 'postgres';
import { afterAll, beforeAll, expect, test } from 'vitest';

import { connect, databaseUrl } from './database.js';

// Eight worker connections on one 10,000-item fan-out, misbehaving on purpose: some tasks fail
// once, some are claimed and never answered (their lease runs out), and some of those are answered
// late by their stale holder. A second run has an item that fails every attempt. A third is a
// collect_all fan-out in which some items fail every attempt and others fail once. Every claim uses
// a fresh worker id, so each answer names exactly the claim it belongs to.
const N = 10_000;
const WORKERS = 8;
const LEASE_SECONDS = 1;
const COLLECTED = 2_000;
/** Items of the collect_all run that fail every attempt. */
const alwaysFails = (item: number) => item % 97 === 5;

type Task = { run_id: string; step_slug: string; task_index: number; input: { item?: number; work?: unknown[] } };

function one<T>(rows: readonly T[]): T {
  expect(rows).toHaveLength(1);
  return rows[0] as T;
}

let sql: Sql;
beforeAll(async () => {
  sql = connect();
  await sql`select pgflow.create_flow('stress', max_attempts => 5, base_delay => 0)`;
  await sql`select pgflow.add_step('stress', 'list')`;
  await sql`select pgflow.add_step('stress', 'work', array['list'], step_type => 'fanout')`;
  await sql`select pgflow.add_step('stress', 'total', array['work'])`;
  await sql`select pgflow.create_flow('stress_exhaust', max_attempts => 2, base_delay => 0)`;
  await sql`select pgflow.add_step('stress_exhaust', 'items', step_type => 'fanout')`;
  await sql`select pgflow.create_flow('stress_collect', max_attempts => 2, base_delay => 0)`;
  await sql`select pgflow.add_step('stress_collect', 'items', step_type => 'fanout', fanout_policy => 'collect_all')`;
});
afterAll(async () => {
  await sql?.end();
});

test('8 workers, 10,000 tasks, failures, abandoned and stale answers: every run ends consistent', async () => {
  const seed = { value: 42 };
  const random = () => {
    // A fixed-seed generator: the same choices on every run of the test.
    seed.value = (seed.value * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed.value / 2 ** 31;
  };
  const failedOnce = new Set<string>();
  const counts = {
    claims: 0,
    injectedFailures: 0,
    abandoned: 0,
    staleAnswers: 0,
    staleAccepted: 0,
    exhaustedFailures: 0,
    collectFailures: 0,
  };
  const lateAnswers: Promise<void>[] = [];
  let running = true;
  const started = performance.now();

  const runId = one(await sql<{ run_id: string }[]>`select run_id from pgflow.start_flow('stress', '{}'::jsonb)`).run_id;
  const exhaustId = one(await sql<{ run_id: string }[]>`
    select run_id from pgflow.start_flow('stress_exhaust', (select jsonb_agg(i) from generate_series(0, 199) i))`).run_id;
  const collectId = one(await sql<{ run_id: string }[]>`
    select run_id from pgflow.start_flow('stress_collect', (select jsonb_agg(i) from generate_series(0, ${COLLECTED - 1}::int) i))`).run_id;

  const worker = async (flows: string[]) => {
    const db = postgres(databaseUrl(), { max: 1, onnotice: () => {} });
    try {
      while (running) {
        for (const flow of flows) {
          const claim = randomUUID();
          const tasks = await db<Task[]>`
            select run_id, step_slug, task_index, input
            from pgflow.poll_for_tasks(${flow}, ${LEASE_SECONDS}::int, 50, 0, 50, ${claim}::uuid)`;
          counts.claims += tasks.length;
          const done: { task: Task; output: unknown }[] = [];
          const failed: Task[] = [];
          for (const task of tasks) {
            const key = `${task.run_id}/${task.step_slug}/${task.task_index}`;
            if (flow === 'stress_collect') {
              const item = task.input.item as number;
              if (alwaysFails(item) || (item % 13 === 0 && !failedOnce.has(key))) {
                failedOnce.add(key);
                counts.collectFailures += 1;
                failed.push(task);
              } else done.push({ task, output: item });
              continue;
            }
            if (flow === 'stress_exhaust') {
              if (task.input.item === 7) {
                counts.exhaustedFailures += 1;
                failed.push(task);
              } else done.push({ task, output: task.input.item });
              continue;
            }
            if (task.step_slug === 'list') {
              done.push({ task, output: Array.from({ length: N }, (_, i) => i) });
            } else if (task.step_slug === 'total') {
              done.push({ task, output: { count: task.input.work?.length } });
            } else {
              const roll = random();
              if (roll < 0.02) {
                counts.abandoned += 1;
                if (roll < 0.01) {
                  // The stale holder answers after its lease ran out.
                  counts.staleAnswers += 1;
                  lateAnswers.push(
                    new Promise((resolve) => setTimeout(resolve, LEASE_SECONDS * 1000 + 300)).then(async () => {
                      const rows = await sql`
                        select 1 from pgflow.complete_task(${task.run_id}::uuid, 'work', ${task.task_index}::int,
                          ${sql.json({ i: task.input.item ?? null, claim })}, ${claim}::uuid)`;
                      counts.staleAccepted += rows.length;
                    }),
                  );
                }
              } else if (roll < 0.07 && !failedOnce.has(key)) {
                failedOnce.add(key);
                counts.injectedFailures += 1;
                failed.push(task);
              } else {
                done.push({ task, output: { i: task.input.item, claim } });
              }
            }
          }
          if (done.length > 0) {
            await db`select 1 from pgflow.complete_tasks(
              ${db.array(done.map((d) => d.task.run_id))}::uuid[], ${db.array(done.map((d) => d.task.step_slug))}::text[],
              ${db.array(done.map((d) => d.task.task_index))}::int[],
              (${db.array(done.map((d) => JSON.stringify(d.output)))}::text[])::jsonb[], ${claim}::uuid)`;
          }
          if (failed.length > 0) {
            await db`select 1 from pgflow.fail_tasks(
              ${db.array(failed.map((t) => t.run_id))}::uuid[], ${db.array(failed.map((t) => t.step_slug))}::text[],
              ${db.array(failed.map((t) => t.task_index))}::int[], ${db.array(failed.map(() => 'injected failure'))}::text[],
              ${claim}::uuid)`;
          }
          if (tasks.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    } finally {
      await db.end();
    }
  };

  const flowsOf = (i: number) => (i === 0 ? ['stress', 'stress_exhaust'] : i === 1 ? ['stress', 'stress_collect'] : ['stress']);
  const workers = Array.from({ length: WORKERS }, (_, i) => worker(flowsOf(i)));
  for (;;) {
    const ended = await sql`
      select count(*)::int as n from pgflow.runs where run_id in (${runId}, ${exhaustId}, ${collectId}) and status <> 'started'`;
    if (ended[0]?.n === 3) break;
    if (performance.now() - started > 50_000) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  running = false;
  await Promise.all(workers);
  await Promise.all(lateAnswers);
  const seconds = (performance.now() - started) / 1000;

  const runs = await sql`
    select run_id, status from pgflow.runs where run_id in (${runId}, ${exhaustId}, ${collectId}) order by flow_slug`;
  expect(runs.map((r) => [r.run_id, r.status])).toEqual([
    [runId, 'completed'],
    [collectId, 'completed'],
    [exhaustId, 'failed'],
  ]);

  // collect_all: one envelope per item, in order; exactly the always-failing items failed, each
  // after both its attempts; the items that failed once succeeded on their retry.
  const [collected] = await sql<{ output: ({ ok: true; value: number } | { ok: false; error: string; attempts: number })[]; failed_tasks: number }[]>`
    select output, failed_tasks from pgflow.step_states where run_id = ${collectId} and step_slug = 'items'`;
  const expectedEnvelopes = Array.from({ length: COLLECTED }, (_, i) =>
    alwaysFails(i) ? { ok: false, error: 'injected failure', attempts: 2 } : { ok: true, value: i },
  );
  expect(collected?.output).toEqual(expectedEnvelopes);
  const exhaustedItems = expectedEnvelopes.filter((e) => !e.ok).length;
  expect(collected?.failed_tasks).toBe(exhaustedItems);
  expect(exhaustedItems).toBeGreaterThan(15);

  // Complete, in order, and each task's output is from its last claim (never a stale holder's).
  const [work] = await sql<{ output: { i: number }[] }[]>`
    select output from pgflow.step_states where run_id = ${runId} and step_slug = 'work'`;
  expect(work?.output.map((o) => o.i)).toEqual(Array.from({ length: N }, (_, i) => i));
  const fromOtherClaims = await sql`
    select task_index from pgflow.step_tasks
    where run_id = ${runId} and step_slug = 'work' and (output ->> 'claim')::uuid is distinct from worker_id`;
  expect(fromOtherClaims).toEqual([]);
  const { output: total } = one(await sql`select output from pgflow.runs where run_id = ${runId}`);
  expect(total).toEqual({ total: { count: N } });

  // Tasks failed once were retried; abandoned ones were claimed again.
  const [retried] = await sql<{ n: number }[]>`
    select count(*)::int as n from pgflow.step_tasks where run_id = ${runId} and step_slug = 'work' and attempts_count > 1`;
  expect(retried?.n).toBeGreaterThanOrEqual(counts.injectedFailures);

  const [exhausted] = await sql`
    select status, attempts_count, error_message from pgflow.step_tasks
    where run_id = ${exhaustId} and task_index = 7`;
  expect({ ...exhausted }).toEqual({ status: 'failed', attempts_count: 2, error_message: 'injected failure' });
  const [live] = await sql<{ n: number }[]>`
    select count(*)::int as n from pgflow.step_tasks where run_id = ${exhaustId} and status in ('queued', 'started')`;
  expect(live?.n).toBe(0);

  for (const id of [runId, exhaustId, collectId]) {
    expect(await sql`select * from pgflow.verify_run(${id}::uuid)`).toEqual([]);
  }
  expect(counts.injectedFailures).toBeGreaterThan(100);
  expect(counts.abandoned).toBeGreaterThan(50);
  expect(counts.staleAnswers).toBeGreaterThan(20);
  console.log(
    `stress: ${N} tasks + 200 in a failing run, ${WORKERS} workers, ${seconds.toFixed(1)} s; ` +
      `${counts.claims} claims, ${counts.injectedFailures} injected failures, ${counts.abandoned} abandoned, ` +
      `${counts.staleAnswers} stale answers (${counts.staleAccepted} accepted: lease ran out but no one had re-claimed), ` +
      `${counts.exhaustedFailures} failures of the exhausted item, ` +
      `${counts.collectFailures} failures in the collect_all run of ${COLLECTED} items (${exhaustedItems} items exhausted)`,
  );
}, 90_000);
