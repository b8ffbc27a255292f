import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { describe, expect, test } from 'vitest';

import { parseArgs } from '../../src/cli.js';

const packageRoot = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

// The built CLI, as `npx pgflow-compile` runs it (npm test builds first).
async function pgflowCompile(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['dist/src/cli.js', ...args], { cwd: packageRoot });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('pgflow-compile', () => {
  test('prints the SQL of every flow a module exports, each once', async () => {
    expect(await pgflowCompile('test/fixtures/flows.mjs')).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        "SELECT pgflow.create_flow('greet');",
        "SELECT pgflow.add_step('greet', 'name');",
        "SELECT pgflow.add_step('greet', 'hello', deps_slugs => ARRAY['name']);",
        '',
        "SELECT pgflow.create_flow('squares', max_attempts => 2);",
        "SELECT pgflow.add_step('squares', 'square', step_type => 'fanout');",
        '',
      ].join('\n'),
    });
  });

  test('--flow picks one flow', async () => {
    const { code, stdout } = await pgflowCompile('test/fixtures/flows.mjs', '--flow', 'squares');
    expect(code).toBe(0);
    expect(stdout).toBe(
      "SELECT pgflow.create_flow('squares', max_attempts => 2);\nSELECT pgflow.add_step('squares', 'square', step_type => 'fanout');\n",
    );
  });

  test('an unknown flow is an error that lists the flows there are', async () => {
    expect(await pgflowCompile('test/fixtures/flows.mjs', '--flow', 'nope')).toEqual({
      code: 2,
      stdout: '',
      stderr: "pgflow-compile: test/fixtures/flows.mjs exports no flow 'nope' (it exports: greet, squares)\n",
    });
  });

  test('a module without flows is an error', async () => {
    const { code, stderr } = await pgflowCompile('test/fixtures/no-flows.mjs');
    expect(code).toBe(2);
    expect(stderr).toBe('pgflow-compile: test/fixtures/no-flows.mjs exports no flow\n');
  });

  test('a missing module is an error', async () => {
    const { code, stderr } = await pgflowCompile('test/fixtures/missing.mjs');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^pgflow-compile: Cannot find module .*missing\.mjs/);
  });

  test('no arguments prints the usage', async () => {
    expect(await pgflowCompile()).toEqual({
      code: 2,
      stdout: '',
      stderr: 'pgflow-compile: usage: pgflow-compile <module> [--flow <slug>]\n',
    });
  });
});

describe('parseArgs', () => {
  test('reads the module and the flow in any order', () => {
    expect(parseArgs(['--flow', 'x', 'm.js'])).toEqual({ module: 'm.js', flowSlug: 'x' });
    expect(parseArgs(['m.js'])).toEqual({ module: 'm.js', flowSlug: undefined });
  });

  test('refuses unknown options, two modules and a --flow without a slug', () => {
    expect(() => parseArgs(['m.js', '--verbose'])).toThrow('unknown option --verbose');
    expect(() => parseArgs(['a.js', 'b.js'])).toThrow('one module at a time, got a.js and b.js');
    expect(() => parseArgs(['m.js', '--flow'])).toThrow('--flow needs a slug');
  });
});
