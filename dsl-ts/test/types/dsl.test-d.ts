import type { Sql } from 'postgres';
import { describe, expectTypeOf, test } from 'vitest';

import {
  allSucceeded,
  Flow,
  progress,
  streamResults,
  values,
  waitForRun,
  type StepProgress,
  type FlowInput,
  type FlowOutput,
  type FlowSteps,
  type ItemResult,
  type TaskContext,
} from '../../src/index.js';

const crawl = new Flow<{ urls: string[] }>({ slug: 'crawl' })
  .step({ slug: 'list' }, ({ run }) => run.urls)
  .step({ slug: 'fetch', dependsOn: ['list'], fanout: true }, ({ item }) => ({ url: item, bytes: item.length }))
  .step({ slug: 'save', dependsOn: ['fetch'] }, async ({ fetch }) => fetch.length);

describe('single steps', () => {
  test('a root step gets the run input', () => {
    new Flow<{ n: number }>({ slug: 'f' }).step({ slug: 'a' }, (input, context) => {
      expectTypeOf(input).toEqualTypeOf<{ run: { n: number } }>();
      expectTypeOf(context).toEqualTypeOf<TaskContext>();
    });
  });

  test('a dependent step gets the run input and each dependency output by slug', () => {
    new Flow<string>({ slug: 'f' })
      .step({ slug: 'a' }, () => 1)
      .step({ slug: 'b' }, async () => ({ ok: true }))
      .step({ slug: 'c', dependsOn: ['a', 'b'] }, (input) => {
        expectTypeOf(input).toEqualTypeOf<{ run: string; a: number; b: { ok: boolean } }>();
      });
  });

  test('a dependent of a fan-out sees the ordered array of its outputs', () => {
    new Flow<{ urls: string[] }>({ slug: 'f' })
      .step({ slug: 'list' }, ({ run }) => run.urls)
      .step({ slug: 'fetch', dependsOn: ['list'], fanout: true }, ({ item }) => item.length)
      .step({ slug: 'save', dependsOn: ['fetch'] }, ({ fetch }) => {
        expectTypeOf(fetch).toEqualTypeOf<number[]>();
      });
  });
});

describe('fan-out steps', () => {
  test('a fan-out task gets one element of its dependency output', () => {
    new Flow<null>({ slug: 'f' })
      .step({ slug: 'list' }, () => [{ id: 1 }])
      .step({ slug: 'each', dependsOn: ['list'], fanout: true }, (input) => {
        expectTypeOf(input).toEqualTypeOf<{ item: { id: number } }>();
      });
  });

  test('a root fan-out gets one element of the run input', () => {
    new Flow<readonly string[]>({ slug: 'f' }).step({ slug: 'each', fanout: true }, (input) => {
      expectTypeOf(input).toEqualTypeOf<{ item: string }>();
    });
  });

  test('map is the same fan-out with the element as argument', () => {
    const flow = new Flow<number[]>({ slug: 'f' })
      .map({ slug: 'double' }, (n) => n * 2)
      .map({ slug: 'text', array: 'double' }, (n) => {
        expectTypeOf(n).toEqualTypeOf<number>();
        return String(n);
      });
    expectTypeOf<FlowSteps<typeof flow>>().toEqualTypeOf<{ double: number[]; text: string[] }>();
  });

  test('a fan-out with two dependencies is a type error', () => {
    new Flow<null>({ slug: 'f' })
      .step({ slug: 'a' }, () => [1])
      .step({ slug: 'b' }, () => [2])
      // @ts-expect-error a fan-out depends on at most one step
      .step({ slug: 'c', dependsOn: ['a', 'b'], fanout: true }, () => 0);
  });

  test('a fan-out over a step that does not return an array is a type error', () => {
    new Flow<null>({ slug: 'f' })
      .step({ slug: 'a' }, () => 'not an array')
      // @ts-expect-error the dependency must return an array
      .step({ slug: 'b', dependsOn: ['a'], fanout: true }, () => 0);
  });

  test('a map over a step that does not return an array is a type error', () => {
    new Flow<null>({ slug: 'f' })
      .step({ slug: 'a' }, () => ({ n: 1 }))
      // @ts-expect-error the array must come from a step that returns one
      .map({ slug: 'b', array: 'a' }, () => 0);
  });

  test('a root fan-out needs an array flow input', () => {
    // @ts-expect-error the flow input is not an array
    new Flow<{ urls: string[] }>({ slug: 'f' }).step({ slug: 'each', fanout: true }, () => 0);
    // @ts-expect-error the flow input is not an array
    new Flow<string>({ slug: 'f' }).map({ slug: 'each' }, () => 0);
  });
});

describe('graph mistakes', () => {
  test('an unknown dependency is a type error', () => {
    new Flow<null>({ slug: 'f' })
      .step({ slug: 'a' }, () => 1)
      // @ts-expect-error 'b' is not a step of the flow
      .step({ slug: 'c', dependsOn: ['b'] }, () => 0);
  });

  test('a duplicate slug is a type error', () => {
    new Flow<null>({ slug: 'f' })
      .step({ slug: 'a' }, () => 1)
      // @ts-expect-error 'a' is already a step
      .step({ slug: 'a' }, () => 2);
  });

  test('a handler reading a dependency it did not declare is a type error', () => {
    new Flow<null>({ slug: 'f' })
      .step({ slug: 'a' }, () => 1)
      // @ts-expect-error 'a' is not in dependsOn
      .step({ slug: 'b' }, ({ a }) => a);
  });

  test('a step option of the wrong type is a type error', () => {
    // @ts-expect-error maxAttempts is a number
    new Flow<null>({ slug: 'f' }).step({ slug: 'a', maxAttempts: '3' }, () => 1);
  });
});

describe('flow types', () => {
  test('input, step outputs and run output are inferred', () => {
    expectTypeOf<FlowInput<typeof crawl>>().toEqualTypeOf<{ urls: string[] }>();
    expectTypeOf<FlowSteps<typeof crawl>>().toEqualTypeOf<{
      list: string[];
      fetch: { url: string; bytes: number }[];
      save: number;
    }>();
    // The run output holds the steps nothing depends on.
    expectTypeOf<FlowOutput<typeof crawl>>().toEqualTypeOf<{ save: number }>();
  });
});

describe('failure policies', () => {
  test('a dependent of a collect_all or threshold fan-out sees one ItemResult per item', () => {
    new Flow<number[]>({ slug: 'f' })
      .map({ slug: 'all', fanoutPolicy: 'collect_all' }, (n) => String(n))
      .map({ slug: 'most', fanoutPolicy: 'threshold', successThreshold: 0.9 }, (n) => n * 2)
      .map({ slug: 'strict' }, (n) => n)
      .step({ slug: 'sum', dependsOn: ['all', 'most', 'strict'] }, ({ all, most, strict }) => {
        expectTypeOf(all).toEqualTypeOf<ItemResult<string>[]>();
        expectTypeOf(most).toEqualTypeOf<ItemResult<number>[]>();
        expectTypeOf(strict).toEqualTypeOf<number[]>();
        expectTypeOf(values(all)).toEqualTypeOf<string[]>();
        if (allSucceeded(most)) expectTypeOf(most[0]!.value).toEqualTypeOf<number>();
      });
  });

  test('an item result is narrowed by ok', () => {
    const result = {} as ItemResult<{ id: number }>;
    if (result.ok) expectTypeOf(result.value).toEqualTypeOf<{ id: number }>();
    else expectTypeOf(result).toEqualTypeOf<{ readonly ok: false; readonly error: string; readonly attempts: number }>();
  });

  test('a skipped dependency is optional in its dependents and in the run output', () => {
    const flow = new Flow<null>({ slug: 'f' })
      .step({ slug: 'maybe', whenExhausted: 'skip' }, () => 1)
      .step({ slug: 'sure' }, () => 'x')
      .step({ slug: 'gone', whenExhausted: 'skip-cascade' }, () => true)
      .step({ slug: 'use', dependsOn: ['maybe', 'sure'] }, (input) => {
        expectTypeOf(input).toEqualTypeOf<{ run: null; maybe?: number; sure: string }>();
      });
    expectTypeOf<FlowOutput<typeof flow>>().toEqualTypeOf<{ use: void; gone?: boolean }>();
  });

  test('a map over a path takes the element type of the array there, and only paths to arrays compile', () => {
    const flow = new Flow<{ items: number[]; owner: string }>({ slug: 'f' })
      .map({ slug: 'each', path: 'items' }, (item) => {
        expectTypeOf(item).toEqualTypeOf<number>();
        return item * 2;
      })
      .step({ slug: 'list' }, () => ({ page: { rows: [{ id: 'a' }], next: null as string | null }, count: 1 }))
      .map({ slug: 'rows', array: 'list', path: 'page.rows' }, (row) => {
        expectTypeOf(row).toEqualTypeOf<{ id: string }>();
        return row.id;
      });
    expectTypeOf<FlowSteps<typeof flow>['rows']>().toEqualTypeOf<string[]>();
    // @ts-expect-error owner is not an array
    new Flow<{ items: number[]; owner: string }>({ slug: 'f' }).map({ slug: 'x', path: 'owner' }, (item) => item);
    // @ts-expect-error no such field
    new Flow<{ items: number[] }>({ slug: 'f' }).map({ slug: 'x', path: 'things' }, (item) => item);
  });

  test('a step with a condition may be skipped, unless whenUnmet fails the run', () => {
    const flow = new Flow<{ send: boolean }>({ slug: 'f' })
      .step({ slug: 'check' }, ({ run }) => ({ ok: run.send }))
      .step({ slug: 'notify', dependsOn: ['check'], if: { check: { ok: true } } }, () => 'sent')
      .step({ slug: 'charge', ifNot: { send: false }, whenUnmet: 'fail' }, () => 10)
      .step({ slug: 'after', dependsOn: ['notify', 'charge'] }, (input) => {
        expectTypeOf(input).toEqualTypeOf<{ run: { send: boolean }; notify?: string; charge: number }>();
      });
    expectTypeOf<FlowOutput<typeof flow>>().toEqualTypeOf<{ after: void }>();
    // @ts-expect-error not a whenUnmet
    new Flow<{ a: number }>({ slug: 'f' }).step({ slug: 'a', if: { a: 1 }, whenUnmet: 'ignore' }, () => 1);
  });

  test('conditions are typed as pgflow matches them: a root step against the run input, a dependent one against its dependencies by slug', () => {
    const flow = new Flow<{ role: string; tags: string[] }>({ slug: 'f' })
      .step({ slug: 'admin', if: { role: 'admin' } }, () => 1)
      .step({ slug: 'tagged', ifNot: { tags: ['spam'] } }, () => 2)
      .step({ slug: 'check' }, () => ({ ok: true, score: 3 }))
      .step({ slug: 'notify', dependsOn: ['check'], if: { check: { ok: true } } }, () => 'sent');
    expectTypeOf<FlowOutput<typeof flow>>().toEqualTypeOf<{ admin?: number; tagged?: number; notify?: string }>();
    // @ts-expect-error a root step's pattern is matched against the run input, which has no run key
    new Flow<{ role: string }>({ slug: 'f' }).step({ slug: 'a', if: { run: { role: 'admin' } } }, () => 1);
    // @ts-expect-error a root step's pattern has the run input's types
    new Flow<{ role: string }>({ slug: 'f' }).step({ slug: 'a', if: { role: 1 } }, () => 1);
    const checked = new Flow<{ role: string }>({ slug: 'f' }).step({ slug: 'c' }, () => ({ ok: true }));
    // @ts-expect-error a dependent step's pattern names its dependencies, not the run
    checked.step({ slug: 'd', dependsOn: ['c'], if: { run: { role: 'admin' } } }, () => 1);
    // @ts-expect-error with their output types
    checked.step({ slug: 'd', dependsOn: ['c'], if: { c: { ok: 'yes' } } }, () => 1);
    // @ts-expect-error a root fan-out's input is an array, which no object pattern is found in
    new Flow<number[]>({ slug: 'f' }).map({ slug: 'm', if: { a: 1 } }, (n) => n);
  });

  test('threshold needs a successThreshold, and only threshold takes one', () => {
    // @ts-expect-error threshold without successThreshold
    new Flow<number[]>({ slug: 'f' }).map({ slug: 'a', fanoutPolicy: 'threshold' }, (n) => n);
    // @ts-expect-error successThreshold without the threshold policy
    new Flow<number[]>({ slug: 'f' }).map({ slug: 'a', fanoutPolicy: 'collect_all', successThreshold: 0.5 }, (n) => n);
  });

  test('a single step takes no fan-out policy', () => {
    // @ts-expect-error collect_all needs a fan-out
    new Flow<null>({ slug: 'f' }).step({ slug: 'a', fanoutPolicy: 'collect_all' }, () => 1);
    // @ts-expect-error not a policy
    new Flow<number[]>({ slug: 'f' }).map({ slug: 'a', fanoutPolicy: 'best_effort' }, (n) => n);
    // @ts-expect-error not a whenExhausted
    new Flow<null>({ slug: 'f' }).step({ slug: 'a', whenExhausted: 'ignore' }, () => 1);
  });
});

describe('watching', () => {
  test('streamResults yields typed results; progress and waitForRun are typed by the flow', () => {
    const watch = async (sql: Sql) => {
      for await (const result of streamResults<{ url: string; bytes: number }>('run', 'fetch', { sql })) {
        expectTypeOf(result.output).toEqualTypeOf<{ url: string; bytes: number } | null>();
        expectTypeOf(result.status).toEqualTypeOf<'completed' | 'failed' | 'cancelled'>();
        expectTypeOf(result.seq).toEqualTypeOf<number>();
      }
      expectTypeOf(await progress('run', { sql })).toEqualTypeOf<StepProgress[]>();
      expectTypeOf(await waitForRun(crawl, 'run', { sql })).toEqualTypeOf<{ save: number }>();
      // @ts-expect-error waitForRun no longer polls, so it takes no polling interval
      await waitForRun(crawl, 'run', { sql, pollIntervalMs: 50 });
    };
    expectTypeOf(watch).returns.toEqualTypeOf<Promise<void>>();
  });
});

describe('caps, batches and sub-flows', () => {
  const variant = new Flow<{ size: number }>({ slug: 'variant' }).step({ slug: 'price' }, ({ run }) => ({ cents: run.size * 10 }));
  const product = new Flow<{ sku: string; variants: { size: number }[] }>({ slug: 'product' })
    .subflow({ slug: 'variants', flow: variant, path: 'variants' })
    .step({ slug: 'summary', dependsOn: ['variants'] }, ({ variants }) => variants.map((v) => v.price.cents));

  test('a batch handler takes the items of its source and returns one output per item', () => {
    const flow = new Flow<{ id: string }[]>({ slug: 'f' }).batch({ slug: 'embed', size: 50, maxConcurrency: 4 }, (items, context) => {
      expectTypeOf(items).toEqualTypeOf<{ id: string }[]>();
      expectTypeOf(context.firstIndex).toEqualTypeOf<number | undefined>();
      return items.map((item) => item.id.length);
    });
    expectTypeOf<FlowSteps<typeof flow>>().toEqualTypeOf<{ embed: number[] }>();
    // @ts-expect-error: a batch returns an array, one output per item
    new Flow<number[]>({ slug: 'g' }).batch({ slug: 'b', size: 2 }, () => 1);
  });

  test('a sub-flow step outputs its child runs\' outputs, and its items must be the sub-flow\'s inputs', () => {
    const category = new Flow<{ products: { sku: string; variants: { size: number }[] }[] }>({ slug: 'category' })
      .subflow({ slug: 'products', flow: product, path: 'products' });
    expectTypeOf<FlowSteps<typeof category>>().toEqualTypeOf<{ products: { summary: number[] }[] }>();
    expectTypeOf<FlowSteps<typeof product>>().toEqualTypeOf<{ variants: { price: { cents: number } }[]; summary: number[] }>();
    // @ts-expect-error: the items are numbers, the sub-flow takes { size }
    new Flow<number[]>({ slug: 'g' }).subflow({ slug: 's', flow: variant });
  });

  test('maxConcurrency is a fan-out option only', () => {
    new Flow<number[]>({ slug: 'f', maxConcurrency: 10 }).map({ slug: 'm', maxConcurrency: 2 }, (n) => n);
    // @ts-expect-error: a single step has one task
    new Flow<number[]>({ slug: 'f' }).step({ slug: 'one', maxConcurrency: 2 }, () => 1);
  });
});
