import { describe, expect, test } from 'vitest';

import { Flow, FlowDefinitionError, isFlow, slugProblem, type TaskContext } from '../../src/index.js';

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
    [{ maxAttempts: 0 }, 'maxAttempts must be at least 1, got 0'],
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
    expect(() => new Flow({ slug: 'f', maxAttempts: 0 })).toThrow("flow 'f': maxAttempts must be at least 1, got 0");
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
