import { describe, expect, test } from 'vitest';

import { compileFlow, Flow, FlowDefinitionError, flowShape, subflowsOf } from '../../src/index.js';

const variant = new Flow<{ size: number }>({ slug: 'variant' }).step({ slug: 'price' }, ({ run }) => run.size * 10);
const product = new Flow<{ sku: string; variants: { size: number }[] }>({ slug: 'product' })
  .subflow({ slug: 'variants', flow: variant, path: 'variants' })
  .step({ slug: 'summary', dependsOn: ['variants'] }, ({ variants }) => variants.length);

describe('caps, batches and sub-flows', () => {
  test('maxConcurrency compiles to max_concurrency on the flow and on a fan-out, and shapes to maxConcurrency', () => {
    const flow = new Flow<number[]>({ slug: 'api', maxConcurrency: 50 }).map({ slug: 'call', maxConcurrency: 20 }, (n) => n);
    expect(compileFlow(flow)).toEqual([
      "SELECT pgflow.create_flow('api', max_concurrency => 50)",
      "SELECT pgflow.add_step('api', 'call', max_concurrency => 20, step_type => 'fanout')",
    ]);
    expect(flowShape(flow).options).toMatchObject({ maxConcurrency: 50 });
    expect(flowShape(flow).steps[0]?.options).toEqual({ maxConcurrency: 20 });
  });

  test('a batch compiles to batch_size and its handler gets the items and the first index', async () => {
    const seen: unknown[] = [];
    const flow = new Flow<number[]>({ slug: 'chunks' }).batch({ slug: 'sum', size: 100 }, (items, { firstIndex }) => {
      seen.push({ items, firstIndex });
      return items.map((n) => n * 2);
    });
    expect(compileFlow(flow)[1]).toBe("SELECT pgflow.add_step('chunks', 'sum', batch_size => 100, step_type => 'fanout')");
    expect(flowShape(flow).steps[0]?.options).toEqual({ batchSize: 100 });
    const step = flow.getStep('sum');
    const context = { flowSlug: 'chunks', runId: 'r', stepSlug: 'sum', taskIndex: 2, signal: new AbortController().signal };
    expect(await step?.handler({ items: [1, 2], first_index: 200 }, context)).toEqual([2, 4]);
    expect(seen).toEqual([{ items: [1, 2], firstIndex: 200 }]);
  });

  test('a sub-flow compiles after the flows it runs, each once, and shapes to subflow', () => {
    const category = new Flow<{ products: { sku: string; variants: { size: number }[] }[] }>({ slug: 'category' })
      .step({ slug: 'list' }, ({ run }) => run.products)
      .subflow({ slug: 'products', flow: product, array: 'list' })
      .subflow({ slug: 'again', flow: product, array: 'list' });
    expect(subflowsOf(category).map((flow) => flow.slug)).toEqual(['variant', 'product']);
    expect(compileFlow(category)).toEqual([
      "SELECT pgflow.create_flow('variant')",
      "SELECT pgflow.add_step('variant', 'price')",
      "SELECT pgflow.create_flow('product')",
      "SELECT pgflow.add_step('product', 'variants', step_type => 'fanout', fanout_path => 'variants', subflow => 'variant')",
      "SELECT pgflow.add_step('product', 'summary', deps_slugs => ARRAY['variants'])",
      "SELECT pgflow.create_flow('category')",
      "SELECT pgflow.add_step('category', 'list')",
      "SELECT pgflow.add_step('category', 'products', deps_slugs => ARRAY['list'], step_type => 'fanout', subflow => 'product')",
      "SELECT pgflow.add_step('category', 'again', deps_slugs => ARRAY['list'], step_type => 'fanout', subflow => 'product')",
    ]);
    expect(flowShape(category).steps[1]?.subflow).toBe('product');
  });

  test('refuses what the extension refuses, in its words', () => {
    const flow = new Flow<number[]>({ slug: 'f' });
    expect(() => flow.step({ slug: 'one', maxConcurrency: 2 } as never, () => 1)).toThrow(
      "step 'one' of flow 'f': maxConcurrency needs a fan-out step; a single step has one task");
    expect(() => flow.map({ slug: 'each', maxConcurrency: 0 }, (n) => n)).toThrow(
      "step 'each' of flow 'f': maxConcurrency must be at least 1, got 0");
    expect(() => flow.batch({ slug: 'b' } as never, (items: number[]) => items)).toThrow(
      "step 'b' of flow 'f': batch needs a size (items per task)");
    expect(() => flow.subflow({ slug: 's', flow: {} as never })).toThrow(FlowDefinitionError);
    expect(() => flow.subflow({ slug: 's', flow: variant, maxConcurrency: 3 } as never)).toThrow(
      "step 's' of flow 'f': a sub-flow fan-out takes neither maxConcurrency nor batchSize");
    expect(() => flow.subflow({ slug: 's', flow: new Flow<number>({ slug: 'f' }) })).toThrow(
      "step 's' of flow 'f': a flow cannot run itself as a sub-flow");
  });

  test('a sub-flow step has no handler of this flow to run', () => {
    const step = product.getStep('variants');
    expect(step?.subflow?.slug).toBe('variant');
    expect(() => step?.handler({}, {} as never)).toThrow(
      "step 'variants' of flow 'product' is run by child runs of flow 'variant', not by this worker");
  });
});
