// The flow of the workers' comparison (bench/run.mjs, "Workers against graphile-worker"): one
// fan-out over the run input, a handler that returns its item. The bench compiles it; every
// worker process of the comparison (bench/worker-process.mjs, the Rust noop_worker) runs it.
import { Flow } from '../dsl-ts/dist/src/index.js';

export const comparedFlow = new Flow({ slug: 'workers_cmp', timeout: 60 }).map({ slug: 'work' }, (item) => item);
