import { readFileSync } from 'node:fs';

import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { rawWorker } from '../../../bench/driver.mjs';
import { Flow, startWorker, type AnyFlow, type TaskContext } from '../../src/index.js';
import { connect, databaseUrl } from './database.js';

// The worker protocol's conformance scenarios (tests/conformance/scenarios.json), the same for
// every worker: here, the dsl-ts worker and the bench's raw driver (bench/driver.mjs) run each of
// them (client/tests/conformance.rs runs them with the Rust worker).

interface ShapeStep {
  readonly slug: string;
  readonly stepType: 'single' | 'map';
  readonly dependencies: readonly string[];
}
interface Scenario {
  readonly name: string;
  readonly shape: { readonly steps: readonly ShapeStep[]; readonly options: Record<string, number> };
  readonly handlers: Record<string, string>;
  readonly input: unknown;
  readonly expect: { readonly status: string; readonly output?: unknown; readonly error_contains?: string };
}

const { scenarios } = JSON.parse(
  readFileSync(new URL('../../../tests/conformance/scenarios.json', import.meta.url), 'utf8'),
) as { scenarios: Scenario[] };

type Handler = (input: Record<string, unknown>, context: TaskContext) => unknown;

/** What each named handler does (the scenarios' `about` says the same in words). */
function handler(name: string, step: ShapeStep): Handler {
  const dependency = (input: Record<string, unknown>) => input[step.dependencies[0] ?? ''];
  const attempts = new Set<string>();
  switch (name) {
    case 'double':
      return ({ item }) => (item as number) * 2;
    case 'items':
      return ({ run }) => (run as { items: unknown }).items;
    case 'sum':
      return (input) => (dependency(input) as number[]).reduce((a, b) => a + b, 0);
    case 'run_n':
      return ({ run }) => (run as { n: number }).n;
    case 'add_one':
      return (input) => (dependency(input) as number) + 1;
    case 'fail_once':
      return (_input, { runId, stepSlug, taskIndex }) => {
        const key = `${runId}/${stepSlug}/${taskIndex}`;
        if (attempts.has(key)) return 'ok';
        attempts.add(key);
        throw new Error('first attempt');
      };
    case 'fail_item_2':
      return ({ item }) => {
        if (item === 2) throw new Error('item 2 is broken');
        return (item as number) * 2;
      };
    default:
      throw new Error(`no handler is named ${name}`);
  }
}

/** The scenario's flow as a dsl-ts flow under `slug`, with the scenario's handlers. */
function flowOf(slug: string, scenario: Scenario): AnyFlow {
  let flow = new Flow<unknown>({ slug, ...scenario.shape.options }) as unknown as {
    step(options: Record<string, unknown>, handler: Handler): unknown;
  };
  for (const step of scenario.shape.steps) {
    const handle = handler(scenario.handlers[step.slug] ?? '', step);
    flow = flow.step(
      { slug: step.slug, dependsOn: [...step.dependencies], ...(step.stepType === 'map' ? { fanout: true } : {}) },
      handle,
    ) as typeof flow;
  }
  return flow as unknown as AnyFlow;
}

let sql: Sql;
beforeAll(() => {
  sql = connect();
});
afterAll(async () => {
  await sql?.end();
});

/** Runs the scenario's flow under `slug` to its end, with a worker that `startWorker` starts and whose stop it returns. */
async function runScenario(slug: string, scenario: Scenario, startWorker: () => Promise<() => Promise<void>>): Promise<void> {
  await sql`select pgflow.ensure_flow_compiled(${slug}, ${sql.json(scenario.shape as never)}, true)`;
  const stop = await startWorker();
  try {
    const [started] = await sql<{ run_id: string }[]>`
      select run_id from pgflow.start_flow(${slug}, ${sql.json(scenario.input as never)})`;
    const [run] = await sql<{ status: string; output: unknown; error_message: string | null }[]>`
      select status, output, error_message from pgflow.wait_for_run(${started?.run_id ?? null}::uuid, 30000)`;
    expect(run?.status).toBe(scenario.expect.status);
    if (scenario.expect.output !== undefined) expect(run?.output).toEqual(scenario.expect.output);
    if (scenario.expect.error_contains !== undefined) expect(run?.error_message).toContain(scenario.expect.error_contains);
  } finally {
    await stop();
  }
}

// With its defaults (one claim at a time), and with two claims on their way at once (the
// throughput settings, scaled down: concurrency twice the batch).
for (const [settings, options] of [['defaults', {}], ['two claims at once', { batchSize: 2, concurrency: 4 }]] as const) {
  describe(`the dsl-ts worker passes the conformance scenarios (${settings})`, () => {
    for (const scenario of scenarios) {
      test(scenario.name, async () => {
        const slug = `conf_ts_${scenario.name}`.slice(0, 128);
        await runScenario(slug, scenario, async () => {
          const worker = startWorker({
            flow: flowOf(slug, scenario), connectionString: databaseUrl(), handleSignals: false, maxPollSeconds: 1, ...options,
          });
          await worker.ready;
          return () => worker.stop();
        });
      });
    }
  });
}

describe("the bench's raw driver passes the conformance scenarios", () => {
  for (const scenario of scenarios) {
    test(scenario.name, async () => {
      const slug = `conf_raw_${scenario.name}`.slice(0, 128);
      const handlers = new Map(scenario.shape.steps.map((step) => [step.slug, handler(scenario.handlers[step.slug] ?? '', step)]));
      await runScenario(slug, scenario, async () => {
        const connection = connect();
        let stopping = false;
        const running = rawWorker({
          sql: connection,
          flowSlug: slug,
          batchSize: 10,
          stopped: () => stopping,
          run: (task) => {
            const context = { runId: task.run_id, stepSlug: task.step_slug, taskIndex: task.task_index } as TaskContext;
            const handle = handlers.get(task.step_slug);
            if (handle === undefined) throw new Error(`no handler for step ${task.step_slug}`);
            return handle(task.input, context);
          },
        });
        return async () => {
          stopping = true;
          await running;
          await connection.end();
        };
      });
    });
  }
});
