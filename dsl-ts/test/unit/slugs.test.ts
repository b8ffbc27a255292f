import { readFileSync } from 'node:fs';

import { describe, expect, test } from 'vitest';

import { slugProblem } from '../../src/index.js';

// The engine's verdicts on slugs at each edge of its rule, written by the engine's test
// dsl_rules::the_dsl_rules_are_the_engines (src/lib.rs): the DSL refuses a slug at definition time
// with the same words the extension would refuse it with.
const cases = JSON.parse(readFileSync(new URL('./slug-cases.generated.json', import.meta.url), 'utf8')) as [string, string | null][];

describe("slugProblem is the engine's slug rule", () => {
  test.each(cases)('%j', (slug, problem) => {
    expect(slugProblem(slug) ?? null).toBe(problem);
  });
});
