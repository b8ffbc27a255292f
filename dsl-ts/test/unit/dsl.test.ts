import { describe, expect, test } from 'vitest';

import {
  allSucceeded,
  Flow,
  FlowDefinitionError,
  isFlow,
  partition,
  slugProblem,
  values,
  type ItemResult,
  type TaskContext,
} from '../../src/index.js';

// The runtime checks exist for JavaScript callers, whom the types do not stop; casts stand in for them.
type Loose = any;

const context: TaskContext = {
  flowSlug: 'f',
  runId: '00000000-0000-0000-0000-000000000000',
  stepSlug: 's',
  taskIndex: 0,
  signal: new AbortController().signal,
};

describe('slugs', () => {
  test.each([
    ['', 'it is empty'],
    ['1abc', 'it must start with a letter or an underscore'],
    ['has-dash', 'it may contain only letters, digits and underscores'],
    ["it's", 'it may contain only letters, digits and underscores'],
    ['a'.repeat(129), 'it is longer than 128 characters'],
    ['run', "'run' is reserved for the run input"],
    [42, 'it must be a string'],
  ])('%j is refused: %s', (slug, problem) => {
    expect(slugProblem(slug)).toBe(problem);
  });

  test.each(['a', '_x', 'A1_b', 'a'.repeat(128), 'runs'])('%j is a slug', (slug) => {
    expect(slugProblem(slug)).toBeUndefined();
  });

  test('an invalid flow slug is refused with the reason', () => {
    expect(() => new Flow({ slug: 'my-flow' })).toThrow(
      new FlowDefinitionError('invalid flow slug "my-flow": it may contain only letters, digits and underscores'),
    );
  });

  test('an invalid step slug is refused with the reason', () => {
    expect(() => new Flow({ slug: 'f' }).step({ slug: 'run' } as Loose, () => 1)).toThrow(
      'invalid step slug "run": \'run\' is reserved for the run input',
    );
  });
});

describe('graph rules at run time', () => {
  const base = new Flow<null>({ slug: 'f' }).step({ slug: 'a' }, () => [1, 2]);
  const loose = base as Loose;

  test('a duplicate step is refused', () => {
    expect(() => loose.step({ slug: 'a' }, () => 1)).toThrow("step 'a' of flow 'f' is defined twice");
  });

  test('an unknown dependency is refused', () => {
    expect(() => loose.step({ slug: 'b', dependsOn: ['zzz'] }, () => 1)).toThrow(
      'step \'b\' of flow \'f\' depends on "zzz", which is not an earlier step of the flow',
    );
  });

  test('a self-dependency is refused', () => {
    expect(() => loose.step({ slug: 'b', dependsOn: ['b'] }, () => 1)).toThrow("step 'b' of flow 'f' cannot depend on itself");
  });

  test('a dependency listed twice is refused', () => {
    expect(() => loose.step({ slug: 'b', dependsOn: ['a', 'a'] }, () => 1)).toThrow(
      "step 'b' of flow 'f' lists dependency 'a' twice",
    );
  });

  test('a fan-out with two dependencies is refused', () => {
    const two = base.step({ slug: 'b' }, () => [3]) as Loose;
    expect(() => two.step({ slug: 'c', dependsOn: ['a', 'b'], fanout: true }, () => 1)).toThrow(
      "step 'c' of flow 'f' is a fan-out and may depend on at most one step, got 2",
    );
  });

  test('dependsOn must be an array', () => {
    expect(() => loose.step({ slug: 'b', dependsOn: 'a' }, () => 1)).toThrow(
      "step 'b' of flow 'f': dependsOn must be an array of step slugs",
    );
  });

  test('a step needs a handler', () => {
    expect(() => loose.step({ slug: 'b' })).toThrow("step 'b' of flow 'f' needs a handler function");
  });

  test.each([
    [{ maxAttempts: -1 }, 'maxAttempts must be at least 0, got -1'],
    [{ baseDelay: -1 }, 'baseDelay must be at least 0, got -1'],
    [{ timeout: 0 }, 'timeout must be at least 1, got 0'],
    [{ startDelay: -5 }, 'startDelay must be at least 0, got -5'],
    [{ maxAttempts: 1.5 }, 'maxAttempts must be an integer, got 1.5'],
    [{ timeout: '60' }, 'timeout must be an integer, got 60'],
    [{ timeout: 2 ** 31 }, 'timeout must be an integer, got 2147483648'],
  ])('step option %j is refused', (options, message) => {
    expect(() => loose.step({ slug: 'b', ...options }, () => 1)).toThrow(`step 'b' of flow 'f': ${message}`);
  });

  test('flow options are checked like step options', () => {
    expect(() => new Flow({ slug: 'f', maxAttempts: -1 })).toThrow("flow 'f': maxAttempts must be at least 0, got -1");
    expect(() => new Flow({ slug: 'f', maxAttempts: 0 })).not.toThrow();
  });

  test('a refused step leaves the flow as it was', () => {
    expect(() => loose.step({ slug: 'b', dependsOn: ['zzz'] }, () => 1)).toThrow();
    expect(base.steps.map((step) => step.slug)).toEqual(['a']);
  });
});

describe('definitions', () => {
  test('each step returns a new flow and leaves the old one unchanged', () => {
    const one = new Flow<null>({ slug: 'f', maxAttempts: 5 }).step({ slug: 'a' }, () => 1);
    const two = one.step({ slug: 'b', dependsOn: ['a'], timeout: 9 }, ({ a }) => a + 1);
    expect(one.steps.map((step) => step.slug)).toEqual(['a']);
    expect(two.steps.map(({ slug, dependsOn, fanout, options }) => ({ slug, dependsOn, fanout, options }))).toEqual([
      { slug: 'a', dependsOn: [], fanout: false, options: {} },
      { slug: 'b', dependsOn: ['a'], fanout: false, options: { timeout: 9 } },
    ]);
    expect(two.options).toEqual({ maxAttempts: 5 });
    expect(isFlow(two)).toBe(true);
    expect(isFlow({ slug: 'f', steps: [] })).toBe(false);
  });

  test('map is a fan-out step whose handler gets the element', async () => {
    const flow = new Flow<number[]>({ slug: 'f' }).map({ slug: 'double', maxAttempts: 2 }, (n) => n * 2);
    const step = flow.getStep('double');
    expect(step).toMatchObject({ slug: 'double', dependsOn: [], fanout: true, options: { maxAttempts: 2 } });
    expect(await step?.handler({ item: 21 }, context)).toBe(42);
  });

  test('map over a step depends on that step', () => {
    const flow = new Flow<null>({ slug: 'f' })
      .step({ slug: 'list' }, () => ['x'])
      .map({ slug: 'upper', array: 'list' }, (s) => s.toUpperCase());
    expect(flow.getStep('upper')).toMatchObject({ dependsOn: ['list'], fanout: true });
  });

  test('handlers are called with the payload and the context', async () => {
    const flow = new Flow<{ n: number }>({ slug: 'f' }).step({ slug: 'a' }, ({ run }, { taskIndex }) => run.n + taskIndex);
    expect(await flow.getStep('a')?.handler({ run: { n: 1 } }, { ...context, taskIndex: 2 })).toBe(3);
  });
});

describe('failure options at run time', () => {
  const base = new Flow<Loose>({ slug: 'f' }).step({ slug: 'list' }, () => [1]);
  const fanout = (options: Loose) => () => (base as Loose).step({ slug: 'each', dependsOn: ['list'], fanout: true, ...options }, () => 0);

  test.each([
    [{ fanoutPolicy: 'threshold' }, "step 'each' of flow 'f': fanoutPolicy 'threshold' needs a successThreshold in (0, 1]"],
    [{ fanoutPolicy: 'threshold', successThreshold: 0 }, "step 'each' of flow 'f': successThreshold must be in (0, 1], got 0"],
    [{ fanoutPolicy: 'threshold', successThreshold: 1.5 }, "step 'each' of flow 'f': successThreshold must be in (0, 1], got 1.5"],
    [{ successThreshold: 0.5 }, "step 'each' of flow 'f': successThreshold is only for fanoutPolicy 'threshold'"],
    [{ fanoutPolicy: 'best_effort' }, `step 'each' of flow 'f': unknown fanoutPolicy "best_effort" (expected 'fail_fast', 'collect_all' or 'threshold')`],
    [{ whenExhausted: 'ignore' }, `step 'each' of flow 'f': unknown whenExhausted "ignore" (expected 'fail', 'skip' or 'skip-cascade')`],
    [{ fanoutTimeout: 0 }, "step 'each' of flow 'f': fanoutTimeout must be at least 1, got 0"],
  ])('%j is refused', (options, message) => {
    expect(fanout(options)).toThrow(new FlowDefinitionError(message));
  });

  test('a policy other than fail_fast on a single step is refused, as the extension refuses it', () => {
    expect(() => (base as Loose).step({ slug: 'one', fanoutPolicy: 'collect_all' }, () => 0)).toThrow(
      new FlowDefinitionError("step 'one' of flow 'f': fanoutPolicy 'collect_all' needs a fan-out step; a single step has one task"),
    );
  });

  test('accepted options are kept on the step; flow options too', () => {
    const flow = new Flow<number[]>({ slug: 'g', runTimeout: 600, maxDelay: 30 }).map(
      { slug: 'each', fanoutPolicy: 'threshold', successThreshold: 0.9, whenExhausted: 'skip', fanoutTimeout: 60, maxDelay: 5 },
      (n) => n,
    );
    expect(flow.options).toEqual({ runTimeout: 600, maxDelay: 30 });
    expect(flow.getStep('each')?.failure).toEqual({ fanoutPolicy: 'threshold', successThreshold: 0.9, whenExhausted: 'skip' });
    expect(flow.getStep('each')?.options).toEqual({ fanoutTimeout: 60, maxDelay: 5 });
  });
});

describe('item results', () => {
  const results: ItemResult<number>[] = [
    { ok: true, value: 1 },
    { ok: false, error: 'broken', attempts: 3 },
    { ok: true, value: 3 },
  ];

  test('values keeps the successes in order', () => {
    expect(values(results)).toEqual([1, 3]);
  });

  test('partition splits successes from failures, which keep their item index', () => {
    expect(partition(results)).toEqual({ values: [1, 3], failures: [{ index: 1, error: 'broken', attempts: 3 }] });
  });

  test('allSucceeded is true only when no item failed', () => {
    expect(allSucceeded(results)).toBe(false);
    expect(allSucceeded([{ ok: true, value: 1 }])).toBe(true);
    expect(allSucceeded([])).toBe(true);
  });
});
