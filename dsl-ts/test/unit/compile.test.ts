import { describe, expect, test } from 'vitest';

import { compileFlow, compileFlowScript, Flow, flowShape, quoteLiteral } from '../../src/index.js';

const crawl = new Flow<{ urls: string[] }>({ slug: 'crawl', maxAttempts: 3, baseDelay: 1, timeout: 60 })
  .step({ slug: 'list' }, ({ run }) => run.urls)
  .step({ slug: 'fetch', dependsOn: ['list'], fanout: true, maxAttempts: 5, startDelay: 2 }, ({ item }) => item.length)
  .step({ slug: 'save', dependsOn: ['fetch', 'list'], timeout: 120, baseDelay: 0 }, ({ fetch }) => fetch.length);

describe('compileFlow', () => {
  test('writes a condition as add_step\'s patterns and when_unmet', () => {
    const flow = new Flow<{ send: boolean }>({ slug: 'gate' })
      .step({ slug: 'check' }, ({ run }) => ({ ok: run.send }))
      .step({ slug: 'notify', dependsOn: ['check'], if: { check: { ok: true } }, ifNot: { check: { note: "it's off" } } as never, whenUnmet: 'skip-cascade' }, () => 1);
    expect(compileFlow(flow)[2]).toBe(
      "SELECT pgflow.add_step('gate', 'notify', deps_slugs => ARRAY['check'], " +
        "required_input_pattern => '{\"check\":{\"ok\":true}}'::jsonb, forbidden_input_pattern => '{\"check\":{\"note\":\"it''s off\"}}'::jsonb, " +
        "when_unmet => 'skip-cascade')",
    );
    expect(flowShape(flow).steps[1]).toMatchObject({
      whenUnmet: 'skip-cascade',
      requiredInputPattern: { defined: true, value: { check: { ok: true } } },
      forbiddenInputPattern: { defined: true, value: { check: { note: "it's off" } } },
    });
  });

  test('a map over a path compiles to fanout_path and shapes to fanoutPath', () => {
    const flow = new Flow<{ page: { rows: string[] } }>({ slug: 'pages' }).map({ slug: 'rows', path: 'page.rows' }, (row) => row);
    expect(compileFlow(flow)[1]).toBe("SELECT pgflow.add_step('pages', 'rows', step_type => 'fanout', fanout_path => 'page.rows')");
    expect(flowShape(flow).steps[0]?.fanoutPath).toBe('page.rows');
    expect(() => new Flow<{ a: number[] }>({ slug: 'f' }).map({ slug: 'x', path: 'a..b' as never }, (n) => n)).toThrow(
      `step 'x' of flow 'f': path "a..b" must be field names joined by dots, such as 'items' or 'page.rows'`);
  });

  test('refuses a condition that is not a JSON object, and an unknown whenUnmet', () => {
    const flow = new Flow<null>({ slug: 'f' });
    expect(() => flow.step({ slug: 'a', if: [1] as never }, () => 1)).toThrow(
      "step 'a' of flow 'f': if must be a JSON object to match the input against");
    expect(() => flow.step({ slug: 'a', if: { run: null } as never, whenUnmet: 'later' as never }, () => 1)).toThrow(
      `step 'a' of flow 'f': unknown whenUnmet "later" (expected 'skip', 'skip-cascade' or 'fail')`);
  });

  test('emits create_flow then add_step per step, in definition order, with named options', () => {
    // maxAttempts 3 and timeout 60 are the defaults: the shape states them, the SQL leaves them out.
    expect(compileFlow(crawl)).toEqual([
      "SELECT pgflow.create_flow('crawl', base_delay => 1)",
      "SELECT pgflow.add_step('crawl', 'list')",
      "SELECT pgflow.add_step('crawl', 'fetch', deps_slugs => ARRAY['list'], max_attempts => 5, start_delay => 2, step_type => 'fanout')",
      "SELECT pgflow.add_step('crawl', 'save', deps_slugs => ARRAY['fetch', 'list'], base_delay => 0, timeout => 120)",
    ]);
  });

  test('a flow without options leaves the defaults to the extension', () => {
    const flow = new Flow<number[]>({ slug: 'plain' }).map({ slug: 'each' }, (n) => n);
    expect(compileFlow(flow)).toEqual([
      "SELECT pgflow.create_flow('plain')",
      "SELECT pgflow.add_step('plain', 'each', step_type => 'fanout')",
    ]);
  });

  test('a map over a step compiles like the fan-out step it is', () => {
    const viaMap = new Flow<null>({ slug: 'm' }).step({ slug: 'a' }, () => [1]).map({ slug: 'b', array: 'a' }, (n) => n);
    const viaStep = new Flow<null>({ slug: 'm' })
      .step({ slug: 'a' }, () => [1])
      .step({ slug: 'b', dependsOn: ['a'], fanout: true }, ({ item }) => item);
    expect(compileFlow(viaMap)).toEqual(compileFlow(viaStep));
  });

  test('compileFlowScript ends each statement with a semicolon and a newline', () => {
    expect(compileFlowScript(new Flow({ slug: 'x' }))).toBe("SELECT pgflow.create_flow('x');\n");
  });
});

describe('quoteLiteral', () => {
  test.each([
    ['plain', "'plain'"],
    ["it's", "'it''s'"],
    ["'); drop table pgflow.runs; --", "'''); drop table pgflow.runs; --'"],
    ['back\\slash', "E'back\\\\slash'"],
    ["\\'; select 1; --", "E'\\\\''; select 1; --'"],
    ['', "''"],
    ['ünïcødé $$ "', "'ünïcødé $$ \"'"],
  ])('%j becomes %s', (text, literal) => {
    expect(quoteLiteral(text)).toBe(literal);
  });

  test('a NUL character is refused: PostgreSQL text cannot hold it', () => {
    expect(() => quoteLiteral('a\0b')).toThrow(RangeError);
  });
});

describe('compileFlow with failure options and deadlines', () => {
  test('emits them as named arguments of create_flow and add_step', () => {
    const flow = new Flow<{ ids: number[] }>({ slug: 'managed', runTimeout: 3600, maxDelay: 60 })
      .step({ slug: 'list', whenExhausted: 'skip-cascade' }, ({ run }) => run.ids)
      .step(
        { slug: 'each', dependsOn: ['list'], fanout: true, fanoutPolicy: 'threshold', successThreshold: 0.95, fanoutTimeout: 600, maxDelay: 10 },
        ({ item }) => item,
      )
      .map({ slug: 'all', array: 'list', fanoutPolicy: 'collect_all', whenExhausted: 'skip' }, (n) => n);
    expect(compileFlow(flow)).toEqual([
      "SELECT pgflow.create_flow('managed', run_timeout => 3600, max_delay => 60)",
      "SELECT pgflow.add_step('managed', 'list', when_exhausted => 'skip-cascade')",
      "SELECT pgflow.add_step('managed', 'each', deps_slugs => ARRAY['list'], fanout_timeout => 600, max_delay => 10, step_type => 'fanout', fanout_policy => 'threshold', success_threshold => 0.95)",
      "SELECT pgflow.add_step('managed', 'all', deps_slugs => ARRAY['list'], step_type => 'fanout', fanout_policy => 'collect_all', when_exhausted => 'skip')",
    ]);
  });
});
