import { describe, expectTypeOf, test } from 'vitest';

import { Flow, type FlowInput, type FlowOutput, type FlowSteps, type TaskContext } from '../../src/index.js';

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
