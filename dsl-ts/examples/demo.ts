/**
 * The demo `make demo` runs: loads the `squares` flow compiled from the DSL, starts two workers,
 * runs the flow over ITEMS numbers, prints progress and the ordered result.
 * Connects to DATABASE_URL (with the PG* environment variables filling in what it leaves out).
 */
import postgres from 'postgres';

import { compileFlow, progress, startRun, startWorker, waitForRun } from '../src/index.js';
import { squares } from './squares.js';

const items = Number(process.env['ITEMS'] ?? 5000);
const connectionString = process.env['DATABASE_URL'];
if (connectionString === undefined) throw new Error('set DATABASE_URL');
const sql = postgres(connectionString, { max: 2, onnotice: () => {} });

console.log("== flow 'squares', compiled from the DSL:");
for (const statement of compileFlow(squares)) {
  console.log(`   ${statement}`);
  await sql.unsafe(statement);
}

const workers = [1, 2].map(() =>
  startWorker({ flow: squares, connectionString, batchSize: 50, concurrency: 50, handleSignals: false }),
);
console.log(`== two workers started (up to 50 tasks each in flight); starting a run over ${items} numbers`);

const started = performance.now();
const runId = await startRun(squares, { count: items }, { sql });
// Progress from pgflow.progress (the step counters), every 100 ms until the run ends.
const ticker = setInterval(() => {
  void progress(runId, { sql }).then((steps) => {
    const square = steps.find((step) => step.stepSlug === 'square');
    if (square === undefined) return;
    const eta = square.etaMs === null ? '?' : `${(square.etaMs / 1000).toFixed(1)} s`;
    console.log(
      `   square: ${square.status}, ${square.completed} of ${square.total ?? '?'} done, ${square.running} running, ` +
        `${square.queued} queued, ${square.tasksPerSecond ?? 0} tasks/s, eta ${eta}`,
    );
  });
}, 100);
const output = await waitForRun(squares, runId, { sql });
const elapsed = performance.now() - started;
clearInterval(ticker);
console.log(`== run completed in ${elapsed.toFixed(0)} ms: ${JSON.stringify(output)}`);
for (const step of await progress(runId, { sql })) {
  console.log(`   ${step.stepSlug}: ${step.status}, ${step.completed}/${step.total} tasks at ${step.tasksPerSecond} tasks/s`);
}

const [square] = await sql<{ output: number[] }[]>`
  select output from pgflow.step_states
  where step_slug = 'square' and run_id = ${runId}::uuid`;
const values = square?.output ?? [];
const inOrder = values.length === items && values.every((value, i) => value === (i + 1) * (i + 1));
console.log(`   square (ordered by task_index): ${values[0]} ... ${values.at(-1)} (${values.length} elements, in order: ${inOrder})`);

await Promise.all(workers.map((worker) => worker.stop()));
const stats = workers.map((worker) => worker.stats);
console.log(
  `== workers stopped: ${stats.map((s) => `${s.completed} tasks in ${s.reportCalls} report calls`).join(', ')}`,
);
await sql.end();
if (!inOrder || output.total.count !== items) process.exit(1);
