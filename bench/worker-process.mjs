// One worker process of the workers' comparison (bench/run.mjs, "Workers against graphile-worker"):
//
//   node worker-process.mjs graphile|dsl-ts|raw SETTINGS_JSON
//
// starts one worker of that system with a handler that does nothing, prints "ready" once it takes
// work, and stops on SIGTERM. Connection: the PG* variables, as for every connection of the bench.
// graphile: SETTINGS_JSON is graphile-worker's preset.worker (concurrentJobs, localQueue, ...).
// dsl-ts: it is startWorker's options (batchSize, concurrency, ...); the flow is compared-flow.mjs'.
// raw: the bench's driver (bench/driver.mjs) on one connection; SETTINGS_JSON gives its batchSize.
import { Logger, run } from 'graphile-worker';
import postgres from 'postgres';

import { startWorker } from '../dsl-ts/dist/src/index.js';
import { comparedFlow } from './compared-flow.mjs';
import { rawWorker } from './driver.mjs';

const [system, settingsJson] = process.argv.slice(2);
const settings = JSON.parse(settingsJson ?? '{}');
const connectionString = `postgres:///${process.env.PGDATABASE}`;

let stop;
if (system === 'graphile') {
  const runner = await run({
    noHandleSignals: true,
    logger: new Logger(() => () => {}),
    taskList: { noop: async () => {} },
    preset: { worker: { connectionString, ...settings } },
  });
  stop = () => runner.stop();
} else if (system === 'dsl-ts') {
  const worker = startWorker({ flow: comparedFlow, connectionString, handleSignals: false, ...settings });
  await worker.ready;
  stop = () => worker.stop();
} else if (system === 'raw') {
  const sql = postgres({ max: 1, onnotice: () => {} });
  let stopping = false;
  const running = rawWorker({ sql, flowSlug: comparedFlow.slug, batchSize: settings.batchSize, run: (t) => t.input.item, stopped: () => stopping });
  stop = async () => {
    stopping = true;
    await running;
    await sql.end();
  };
} else {
  throw new Error(`no worker system ${system}`);
}
process.on('SIGTERM', () => {
  void stop().then(() => process.exit(0));
});
console.log('ready');
