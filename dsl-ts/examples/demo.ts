/**
 * The demo `make demo` runs: loads the `squares` flow compiled from the DSL, starts two workers,
 * runs the flow over ITEMS numbers, prints progress and the ordered result.
 * Connects to DATABASE_URL (with the PG* environment variables filling in what it leaves out).
 */
import postgres from 'postgres';

import { compileFlow, runFlow, startWorker } from '../src/index.js';
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

const progress = setInterval(() => {
  void sql<{ line: string }[]>`
    select format('   %s: %s of %s tasks of ''square'' done', status,
                  coalesce(initial_tasks - remaining_tasks, 0), coalesce(initial_tasks::text, '?')) as line
    from pgflow.step_states
    where step_slug = 'square' and run_id = (select run_id from pgflow.runs order by started_at desc limit 1)`.then(
    ([row]) => row && console.log(row.line),
  );
}, 500);

const started = performance.now();
const output = await runFlow(squares, { count: items }, { sql });
const elapsed = performance.now() - started;
clearInterval(progress);
console.log(`== run completed in ${elapsed.toFixed(0)} ms: ${JSON.stringify(output)}`);

const [square] = await sql<{ output: number[] }[]>`
  select output from pgflow.step_states
  where step_slug = 'square' and run_id = (select run_id from pgflow.runs order by started_at desc limit 1)`;
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
