// A user's program, run by tests/shell/the_dsl_package_runs_from_its_tarball.sh under Node 20,
// Node 22 and Deno from a fresh project where the packed @pgflow-rs/dsl was installed: it compiles
// its flow to SQL, then runs a worker for it (the flow compiled into the database by the worker),
// prints one JSON line once ready, and stops on SIGTERM, printing its stats.
import { compileFlow, Flow, startWorker } from '@pgflow-rs/dsl';

const env = (name) => (typeof Deno !== 'undefined' ? Deno.env.get(name) : process.env[name]);
const runtime = typeof Deno !== 'undefined' ? `deno ${Deno.version.deno}` : `node ${process.versions.node}`;

const flow = new Flow({ slug: env('PACKED_FLOW') })
  .map({ slug: 'double' }, (n) => n * 2)
  .step({ slug: 'sum', dependsOn: ['double'] }, ({ double }) => double.reduce((a, b) => a + b, 0));

const statements = compileFlow(flow);
if (!statements.some((statement) => statement.startsWith('SELECT pgflow.create_flow('))) {
  throw new Error(`compileFlow wrote no create_flow: ${statements.join('; ')}`);
}
const worker = startWorker({ flow, connectionString: env('PACKED_DATABASE_URL'), compile: true, maxPollSeconds: 1 });
await worker.ready;
console.log(JSON.stringify({ ready: runtime }));
// The worker stops on SIGTERM by itself.
await worker.stopped;
console.log(JSON.stringify({ stopped: worker.stats }));
if (typeof Deno !== 'undefined') Deno.exit(0);
