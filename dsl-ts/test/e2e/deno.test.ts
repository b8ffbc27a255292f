import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { connect, databaseUrl } from './database.js';

// pgflow users run workers in Supabase Edge Functions, whose runtime is Deno: this package's
// worker runs a flow under Deno (installed from npm as a dev dependency) and stops gracefully on
// SIGTERM, as an Edge Function's worker does at its time limit.
const dir = fileURLToPath(new URL('../..', import.meta.url));
let sql: Sql;
let deno: ChildProcessWithoutNullStreams;
const lines: string[] = [];
let nextLine: (() => void) | undefined;

async function line(): Promise<Record<string, unknown>> {
  while (lines.length === 0) await new Promise<void>((resolve) => (nextLine = resolve));
  return JSON.parse(lines.shift() as string) as Record<string, unknown>;
}

beforeAll(() => {
  sql = connect();
  deno = spawn(`${dir}/node_modules/.bin/deno`, ['run', '--allow-all', 'test/deno/worker.ts'], {
    cwd: dir,
    env: { ...process.env, PGFLOW_TEST_DATABASE_URL: databaseUrl(), NO_COLOR: '1' },
  });
  createInterface({ input: deno.stdout }).on('line', (text) => {
    lines.push(text);
    nextLine?.();
  });
  deno.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
});

afterAll(async () => {
  if (deno.exitCode === null) deno.kill('SIGKILL');
  await sql?.end();
});

describe('the worker under Deno', () => {
  test('compiles its flow, runs a 200-item fan-out and stops gracefully on SIGTERM', async () => {
    const ready = await line();
    expect(ready['deno']).toMatch(/^2\.9\./);
    const [run] = await sql`select run_id from pgflow.start_flow('e2e_deno', ${sql.json(Array.from({ length: 200 }, (_, i) => i))})`;
    const [ended] = await sql`select status from pgflow.wait_for_run(${run?.['run_id']}::uuid, 30000)`;
    expect(ended?.['status']).toBe('completed');
    const [stored] = await sql`select output from pgflow.runs where run_id = ${run?.['run_id']}`;
    expect(stored?.['output']).toEqual({ sum: 3 * ((199 * 200) / 2) });

    const exited = new Promise<number | null>((resolve) => deno.on('exit', resolve));
    deno.kill('SIGTERM');
    const stopped = (await line())['stopped'] as Record<string, number>;
    expect(stopped).toMatchObject({ claimed: 201, completed: 201, failed: 0, abandoned: 0 });
    expect(await exited).toBe(0);
  });
});
