// Run by Deno (test/e2e/deno.test.ts starts it): this package's worker under Deno's Node
// compatibility, as a Supabase Edge Function runs one. It compiles its flow if missing, prints one
// JSON line once it has, runs tasks until SIGTERM, stops gracefully and prints its stats.
import { Flow, startWorker } from '../../dist/src/index.js';

declare const Deno: { env: { get(name: string): string | undefined }; version: { deno: string } };

export const tripled = new Flow<number[]>({ slug: 'e2e_deno' })
  .map({ slug: 'triple' }, async (n) => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return n * 3;
  })
  .step({ slug: 'sum', dependsOn: ['triple'] }, ({ triple }) => triple.reduce((a, b) => a + b, 0));

const url = Deno.env.get('PGFLOW_TEST_DATABASE_URL');
if (url === undefined) throw new Error('PGFLOW_TEST_DATABASE_URL is not set');
const worker = startWorker({
  flow: tripled,
  connectionString: url,
  compile: true,
  concurrency: 20,
  batchSize: 20,
  maxPollSeconds: 1,
});
await worker.ready;
console.log(JSON.stringify({ ready: worker.id, deno: Deno.version.deno }));
await worker.stopped;
console.log(JSON.stringify({ stopped: worker.stats }));
