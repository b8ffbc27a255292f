import { Flow as PgflowFlow, compileFlow as pgflowCompileFlow } from '@pgflow/dsl';
import { describe, expect, test } from 'vitest';

import { compileFlow, Flow, flowShape, isPgflowFlow, toFlow, type TaskContext } from '../../src/index.js';

describe('flowShape', () => {
  test("a flow with pgflow options only has pgflow's shape: steps in order, dependencies sorted", () => {
    const flow = new Flow<{ urls: string[] }>({ slug: 'crawl' })
      .step({ slug: 'list' }, ({ run }) => run.urls)
      .step({ slug: 'seed' }, () => 1)
      .step({ slug: 'fetch', dependsOn: ['list'], fanout: true, maxAttempts: 5 }, ({ item }) => item)
      .step({ slug: 'save', dependsOn: ['seed', 'fetch'] }, () => null);
    const step = (slug: string, stepType: string, dependencies: string[], extra: object = {}) => ({
      slug, stepType, dependencies, whenUnmet: 'skip', whenExhausted: 'fail',
      requiredInputPattern: { defined: false }, forbiddenInputPattern: { defined: false }, ...extra,
    });
    expect(flowShape(flow)).toEqual({
      steps: [
        step('list', 'single', []),
        step('seed', 'single', []),
        step('fetch', 'map', ['list'], { options: { maxAttempts: 5 } }),
        step('save', 'single', ['fetch', 'seed']),
      ],
      options: { maxAttempts: 3, baseDelay: 5, timeout: 60 },
    });
  });

  test("this extension's options appear beside pgflow's", () => {
    const flow = new Flow<number[]>({ slug: 'tuned', runTimeout: 600, maxDelay: 30, timeout: 5 }).map(
      { slug: 'each', fanoutPolicy: 'threshold', successThreshold: 0.8, whenExhausted: 'skip', fanoutTimeout: 60 },
      (n) => n,
    );
    expect(flowShape(flow)).toEqual({
      steps: [{
        slug: 'each', stepType: 'map', dependencies: [], whenUnmet: 'skip', whenExhausted: 'skip',
        requiredInputPattern: { defined: false }, forbiddenInputPattern: { defined: false },
        fanoutPolicy: 'threshold', successThreshold: 0.8, options: { fanoutTimeout: 60 },
      }],
      options: { maxAttempts: 3, baseDelay: 5, timeout: 5, runTimeout: 600, maxDelay: 30 },
    });
  });
});

describe('flows built with @pgflow/dsl 0.8.1', () => {
  const pgflow = new PgflowFlow<number[]>({ slug: 'from_pgflow', maxAttempts: 2, timeout: 30 })
    .map({ slug: 'doubled' }, (n) => n * 2)
    .array({ slug: 'pairs', dependsOn: ['doubled'] }, (input) => input.doubled.map((d) => [d, d + 1]))
    .map({ slug: 'sums', array: 'pairs', baseDelay: 2 }, (pair: number[]) => pair[0]! + pair[1]!)
    .step({ slug: 'total', dependsOn: ['sums'] }, (input) => (input.sums as unknown as number[]).reduce((a, b) => a + b, 0));

  test('are recognised and converted step by step, options kept', () => {
    expect(isPgflowFlow(pgflow)).toBe(true);
    expect(isPgflowFlow(new Flow({ slug: 'ours' }))).toBe(false);
    const flow = toFlow(pgflow);
    expect(flow.slug).toBe('from_pgflow');
    expect(flow.options).toEqual({ maxAttempts: 2, timeout: 30 });
    expect(flow.steps.map((s) => [s.slug, s.fanout, s.dependsOn, s.options])).toEqual([
      ['doubled', true, [], {}],
      ['pairs', false, ['doubled'], {}],
      ['sums', true, ['pairs'], { baseDelay: 2 }],
      ['total', false, ['sums'], {}],
    ]);
  });

  test("keep their handlers' signatures: a map handler gets the element, a step handler { run, ...deps }", async () => {
    const flow = toFlow(pgflow);
    const context = {} as TaskContext;
    expect(await flow.getStep('doubled')!.handler({ item: 4 }, context)).toBe(8);
    expect(await flow.getStep('pairs')!.handler({ run: [4], doubled: [8] }, context)).toEqual([[8, 9]]);
    expect(await flow.getStep('sums')!.handler({ item: [8, 9] }, context)).toBe(17);
    expect(await flow.getStep('total')!.handler({ run: [4], sums: [17, 3] }, context)).toBe(20);
  });

  test("compile to the same definition as pgflow's own compiler gives, in this extension's words", () => {
    expect(compileFlow(pgflow)).toEqual([
      "SELECT pgflow.create_flow('from_pgflow', max_attempts => 2, timeout => 30)",
      "SELECT pgflow.add_step('from_pgflow', 'doubled', step_type => 'fanout')",
      "SELECT pgflow.add_step('from_pgflow', 'pairs', deps_slugs => ARRAY['doubled'])",
      "SELECT pgflow.add_step('from_pgflow', 'sums', deps_slugs => ARRAY['pairs'], base_delay => 2, step_type => 'fanout')",
      "SELECT pgflow.add_step('from_pgflow', 'total', deps_slugs => ARRAY['sums'])",
    ]);
    // pgflow's compiler writes the same calls, with 'map' for the step type, which add_step takes too.
    expect(pgflowCompileFlow(pgflow)).toHaveLength(5);
  });
});
