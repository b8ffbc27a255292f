// The benchmark driver: one program, one client library and one connection setup for every
// system measured. Each configuration runs one flow list -> work (fan-out over N items) -> total
// with W worker connections that claim B tasks per call, and checks the run's output.
//
//   node run.mjs [--quick] [--out FILE] [--only pgflow-rs,pgflow,floor]
//
// Connection: PGHOST, PGPORT, PGUSER, PGDATABASE (set by scripts/bench.sh).
import postgres from 'postgres';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

import { Flow, flowShape, startRun, startWorker, waitForRun } from '../dsl-ts/dist/src/index.js';
import { Logger, makeWorkerUtils, runMigrations } from 'graphile-worker';

import { comparedFlow } from './compared-flow.mjs';
import { rawWorker } from './driver.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const out = args.includes('--out') ? args[args.indexOf('--out') + 1] : 'BENCHMARKS.md';
const CAP_MS = Number(process.env.BENCH_CAP_MS ?? 120_000);
// BENCH_SIZES, BENCH_WORKERS, BENCH_BATCHES (comma-separated) pick other configurations.
const list = (name, fallback) => (process.env[name] ? process.env[name].split(',').map(Number) : fallback);
const SIZES = list('BENCH_SIZES', quick ? [1_000, 10_000] : [1_000, 10_000, 100_000]);
const WORKERS = list('BENCH_WORKERS', quick ? [2] : [1, 2, 4]);
const BATCHES = list('BENCH_BATCHES', quick ? [1, 100] : [1, 10, 100]);

const connect = (database, options = {}) =>
  postgres({ max: 1, onnotice: () => {}, prepare: true, ...(database ? { database } : {}), ...options });
// pgflow's calls can each take longer than the cap at large N: its workers' statements are cut off
// at the cap, and the configuration is reported as capped with what finished.
// The grid's worker connections, by name, for the wait profile (waitProfile).
const WORKER_CONNECTION = { connection: { application_name: 'bench-worker' } };
const cappedConnect = (database) => connect(database, { connection: { statement_timeout: String(CAP_MS) } });
const now = () => performance.now();
const listOutput = (n) => Array.from({ length: n }, (_, i) => ({ i }));
const workOutput = (item) => ({ i: item.i, ok: true });

// A system is: setup(), then per configuration reset() and run(n, w, b) -> result.

// A finished run of either engine (both name these tables and columns alike): whether its output is
// complete and in order, and the time from the last `work` task completed to `total` started.
async function outcome(admin, runId, n) {
  const [state] = await admin`
    select r.status, r.output,
           (select extract(epoch from (t.started_at - (select max(completed_at) from pgflow.step_tasks
                                                        where run_id = r.run_id and step_slug = 'work'))) * 1000
              from pgflow.step_states t where t.run_id = r.run_id and t.step_slug = 'total') as aggregate_ms,
           (select jsonb_agg(output order by task_index) from pgflow.step_tasks
             where run_id = r.run_id and step_slug = 'work') as work
    from pgflow.runs r where r.run_id = ${runId}`;
  const ok = state.status === 'completed' && state.output?.total?.count === n &&
    state.work?.length === n && state.work.every((o, i) => o.i === i && o.ok === true);
  return { ok, finished: state.status === 'completed', aggregateMs: state.aggregate_ms };
}
// What the workers of one run have done, shared by both engines' drivers: the run counts from
// before start_flow to the answer of `total`; spawn is the answer of `list`, which creates the N
// tasks. Workers still waiting in a poll when the run finished must not count.
// Set when a run's last task is answered: the wait profile stops sampling there, before the
// workers still asleep in a poll (for up to a second) return.
let runEnded = false;

class Progress {
  constructor() {
    this.t0 = now();
    this.spawnMs = null;
    this.done = false;
    this.finishedAt = null;
    this.completedWork = 0;
  }

  answered(stepSlug, started) {
    if (stepSlug === 'list') this.spawnMs = now() - started;
    if (stepSlug === 'work') this.completedWork++;
    if (stepSlug === 'total') { this.done = true; this.finishedAt = now(); runEnded = true; }
  }

  async result(admin, runId, n) {
    const elapsed = (this.finishedAt ?? now()) - this.t0;
    return { done: this.completedWork, elapsed, spawnMs: this.spawnMs, ...(await outcome(admin, runId, n)) };
  }
}

// W workers at once, each on a connection of its own (open()) that it closes when work(sql) ends.
const eachWorker = (w, open, work) => Promise.all(Array.from({ length: w }, async () => {
  const sql = open();
  try {
    await work(sql);
  } finally {
    await sql.end();
  }
}));

// A task's output: `item` is the fan-out element, `input` the payload of a single step.
const taskOutput = (stepSlug, item, input, n) =>
  stepSlug === 'list' ? listOutput(n) : stepSlug === 'work' ? workOutput(item) : { count: input.work.length };

const extension = {
  name: 'pgflow-rs',
  async setup(sql) {
    await sql`create extension if not exists pgflow`;
    await sql`select pgflow.create_flow('bench')`;
    await sql`select pgflow.add_step('bench', 'list')`;
    await sql`select pgflow.add_step('bench', 'work', array['list'], step_type => 'fanout')`;
    await sql`select pgflow.add_step('bench', 'total', array['work'])`;
  },
  async reset(sql) {
    await sql`truncate pgflow.step_tasks, pgflow.step_parts, pgflow.step_states, pgflow.runs`;
    await sql`vacuum analyze pgflow.step_tasks`;
  },
  async run(n, w, b, deadline) {
    const admin = connect();
    const progress = new Progress();
    const [{ run_id }] = await admin`select run_id from pgflow.start_flow('bench', '{}')`;
    // Each worker answers its batch and claims the next in one call (bench/driver.mjs); the answer
    // of `list` goes alone, so that the spawn it causes is timed alone.
    await eachWorker(w, () => connect(undefined, WORKER_CONNECTION), (sql) => rawWorker({
      sql, flowSlug: 'bench', batchSize: b, answerAlone: ['list'],
      run: (t) => taskOutput(t.step_slug, t.input.item, t.input, n),
      stopped: () => progress.done || now() >= deadline,
      answered: (tasks, started) => { for (const t of tasks) progress.answered(t.step_slug, started); },
    }));
    const result = await progress.result(admin, run_id, n);
    await admin.end();
    return result;
  },
};

// pgflow as users install it from npm (@pgflow/core 0.8.1): its migrations on top of pgmq, in a
// database of its own (both use the schema name pgflow). Its worker protocol: pgmq.read_with_poll
// claims messages, pgflow.start_tasks turns them into tasks, one pgflow.complete_task per task.
const PGFLOW_DB = process.env.PGFLOW_NPM_DATABASE ?? 'bench_pgflow';
const npmPgflow = {
  name: 'pgflow',
  // Its start_tasks copies the whole array once per map task it starts, so W concurrent calls of B
  // tasks each hold about W x B x N elements: at N = 100,000, B = 100, W = 4 a backend grew past
  // 6 GB and the kernel's OOM killer took the server down. Configurations past that are reported
  // as not run, with this reason.
  declines(n, w, b) {
    return n * w * b > 20_000_000
      ? 'W x B x N is over 20 million: its start_tasks copies the whole array once per task it starts, ' +
        'and at N = 100,000, B = 100, W = 4 the server was killed for memory'
      : null;
  },
  async setup() {
    const sql = connect(PGFLOW_DB);
    await sql`create extension if not exists pgmq`;
    // Supabase's broadcast function, which pgflow calls on every event; a no-op here.
    await sql.unsafe(`create schema if not exists realtime;
      create or replace function realtime.send(payload jsonb, event text, topic text, private boolean)
      returns void language sql as 'select null'`);
    const dir = new URL('./node_modules/@pgflow/core/dist/supabase/migrations/', import.meta.url);
    const applied = await sql`select to_regclass('pgflow.flows') is not null as yes`;
    if (!applied[0].yes) {
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
        await sql.unsafe(readFileSync(new URL(file, dir), 'utf8'));
      }
    }
    const [{ exists }] = await sql`select exists (select from pgflow.flows where flow_slug = 'bench') as exists`;
    if (!exists) {
      await sql`select pgflow.create_flow('bench')`;
      await sql`select pgflow.add_step('bench', 'list')`;
      await sql`select pgflow.add_step('bench', 'work', array['list'], step_type => 'map')`;
      await sql`select pgflow.add_step('bench', 'total', array['work'])`;
    }
    await sql.end();
  },
  async reset() {
    const sql = connect(PGFLOW_DB);
    await sql`truncate pgflow.step_tasks, pgflow.step_states, pgflow.runs, pgflow.workers cascade`;
    await sql.unsafe('truncate pgmq.q_bench, pgmq.a_bench');
    await sql`vacuum analyze pgflow.step_tasks`;
    await sql.end();
  },
  async run(n, w, b, deadline) {
    const admin = connect(PGFLOW_DB);
    const progress = new Progress();
    const [{ run_id }] = await admin`select run_id from pgflow.start_flow('bench', '{}'::jsonb)`;
    await eachWorker(w, () => cappedConnect(PGFLOW_DB), async (sql) => {
      const workerId = randomUUID();
      await sql`insert into pgflow.workers (worker_id, queue_name, function_name) values (${workerId}, 'bench', 'bench')`;
      try {
        while (!progress.done && now() < deadline) {
          const messages = await sql`select msg_id from pgmq.read_with_poll('bench', 60, ${b}, 1, 5)`;
          if (messages.length === 0) continue;
          const tasks = await sql`
            select run_id, step_slug, task_index, input
            from pgflow.start_tasks('bench', ${sql.array(messages.map((m) => m.msg_id))}::bigint[], ${workerId}::uuid)`;
          const started = now();
          for (const t of tasks) {
            if (now() >= deadline) break;
            // A map task's input is the element itself.
            const output = taskOutput(t.step_slug, t.input, t.input, n);
            await sql`select 1 from pgflow.complete_task(${t.run_id}, ${t.step_slug}, ${t.task_index}, ${sql.json(output)})`;
            progress.answered(t.step_slug, started);
          }
        }
      } catch (error) {
        if (error.code !== '57014') throw error; // statement_timeout: the cap was reached
      }
    });
    const result = await progress.result(admin, run_id, n);
    await admin.end();
    return result;
  },
};

const floor = {
  name: 'floor',
  async setup(sql) {
    await sql.unsafe(readFileSync(new URL('./floor.sql', import.meta.url), 'utf8'));
  },
  async reset(sql) {
    await sql`truncate floor_tasks`;
    await sql`vacuum analyze floor_tasks`;
  },
  async run(n, w, b, deadline) {
    const admin = connect();
    const t0 = now();
    const run = 1;
    const spawnStart = now();
    await admin`insert into floor_tasks (run, idx, item)
                select ${run}, i, jsonb_build_object('i', i) from generate_series(0, ${n - 1}) i`;
    const spawnMs = now() - spawnStart;
    let completed = 0;
    await eachWorker(w, () => connect(undefined, WORKER_CONNECTION), async (sql) => {
      while (completed < n && now() < deadline) {
        const tasks = await sql`
          update floor_tasks f set status = 'started'
          from (select run, idx from floor_tasks where run = ${run} and status = 'queued'
                order by idx limit ${b} for update skip locked) c
          where f.run = c.run and f.idx = c.idx
          returning f.idx, f.item`;
        if (tasks.length === 0) { await new Promise((r) => setTimeout(r, 5)); continue; }
        const outputs = tasks.map((t) => workOutput(t.item));
        if (b === 1) {
          await sql`update floor_tasks set status = 'completed', output = ${sql.json(outputs[0])}
                    where run = ${run} and idx = ${tasks[0].idx}`;
        } else {
          await sql`update floor_tasks f set status = 'completed', output = a.output
                    from unnest(${sql.array(tasks.map((t) => t.idx))}::int[], ${sql.array(outputs.map((o) => JSON.stringify(o)))}::jsonb[]) a (idx, output)
                    where f.run = ${run} and f.idx = a.idx`;
        }
        completed += tasks.length;
      }
    });
    const aggStart = now();
    const [{ agg }] = await admin`select jsonb_agg(output order by idx) as agg from floor_tasks where run = ${run}`;
    const aggregateMs = now() - aggStart;
    const elapsed = now() - t0;
    await admin.end();
    const ok = agg !== null && agg.length === n && agg.every((o, i) => o && o.i === i);
    return { done: completed, elapsed, spawnMs, aggregateMs, ok, finished: completed === n };
  },
};

// Watching a fan-out (pgflow-rs only): what a progress call costs at two sizes; the engine's
// throughput with a reader calling progress every 200 ms against without; and how soon a client
// waiting for a run learns of its end, through LISTEN, through wait_for_run, and by polling every
// 50 ms as dsl-ts 0.2.0's waitForRun did.
const WATCH_N = quick ? 10_000 : 100_000;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

async function progressCost(admin, n) {
  await extension.reset(admin);
  const [{ run_id }] = await admin`select run_id from pgflow.start_flow('bench', '{}')`;
  await admin`select 1 from pgflow.poll_for_tasks('bench', 60, 1, 0) t,
              pgflow.complete_task(t.run_id, t.step_slug, t.task_index, ${admin.json(listOutput(n))})`;
  await admin`select count(*) from pgflow.poll_for_tasks('bench', 60, 50, 0)`; // 50 running
  for (let i = 0; i < 20; i++) await admin`select * from pgflow.progress(${run_id})`;
  const times = [];
  for (let i = 0; i < 200; i++) {
    const t = now();
    await admin`select * from pgflow.progress(${run_id})`;
    times.push(now() - t);
  }
  return { n, medianMs: median(times), p99Ms: percentile(times, 99) };
}

// What bounds the configurations that miss their targets: a run of each again, while another
// connection samples what the workers' backends are doing every 5 ms (pg_stat_activity): running,
// waiting for a lock another transaction holds (a row or an advisory lock), flushing WAL at
// commit, other waits, or idle (the driver's side of the round trip), until the run's last task is
// answered. The runs are slower than the
// grid's by the sampler's share of the two cores; the shares are what they show.
const PROFILED = [{ n: 100_000, w: 2, b: 100 }, { n: 100_000, w: 4, b: 100 }, { n: 10_000, w: 2, b: 1 }, { n: 10_000, w: 4, b: 1 }];
async function waitProfile(admin) {
  const rows = [];
  for (const c of quick ? PROFILED.map((p) => ({ ...p, n: Math.min(p.n, 10_000) })) : PROFILED) {
    for (const system of [extension, floor]) {
      await system.reset(admin);
      const sampler = connect();
      const counts = { running: 0, lock: 0, wal: 0, other: 0, idle: 0 };
      const others = {};
      let sampling = true;
      runEnded = false;
      const samplingDone = (async () => {
        while (sampling && !runEnded) {
          const states = await sampler`
            select state, wait_event_type, wait_event from pg_stat_activity
            where application_name = 'bench-worker' and backend_type = 'client backend'`;
          for (const a of states) {
            if (a.state !== 'active') counts.idle++;
            else if (a.wait_event_type === null) counts.running++;
            else if (a.wait_event_type === 'Lock') counts.lock++;
            else if (/^WAL/.test(a.wait_event ?? '')) counts.wal++;
            else { counts.other++; const e = `${a.wait_event_type}:${a.wait_event}`; others[e] = (others[e] ?? 0) + 1; }
          }
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const r = await system.run(c.n, c.w, c.b, now() + CAP_MS);
      sampling = false;
      await samplingDone;
      await sampler.end();
      const total = Object.values(counts).reduce((a, x) => a + x, 0) || 1;
      const share = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, (100 * v) / total]));
      const commonest = Object.entries(others).sort((x, y) => y[1] - x[1])[0]?.[0] ?? '-';
      rows.push({ ...c, system: system.name, rate: rate(r), share, commonest });
      console.log(`profile ${system.name} N=${c.n} W=${c.w} B=${c.b}: ${Math.round(rate(r))}/s; ` +
        Object.entries(share).map(([k, v]) => `${k} ${v.toFixed(1)}%`).join(', ') + `; commonest other wait ${commonest}`);
    }
  }
  return rows;
}

async function throughputWithReader(admin, withReader) {
  await extension.reset(admin);
  let reads = 0;
  let reading = withReader;
  const reader = withReader ? (async () => {
    const sql = connect();
    while (reading) {
      const [run] = await sql`select run_id from pgflow.runs order by started_at desc limit 1`;
      if (run) { await sql`select * from pgflow.progress(${run.run_id})`; reads++; }
      await new Promise((r) => setTimeout(r, 200));
    }
    await sql.end();
  })() : null;
  const r = await extension.run(WATCH_N, 2, 100, now() + CAP_MS);
  reading = false;
  await reader;
  return { rate: rate(r), reads, ok: r.ok };
}

async function wakeLatency(admin) {
  await admin`select pgflow.create_flow('wake')`;
  await admin`select pgflow.add_step('wake', 'only')`;
  const completer = connect();
  const waiters = { listen: [], wait_for_run: [], poll_50ms: [] };
  const listener = connect();
  let onEnd = null;
  await listener.listen('pgflow', (payload) => {
    const event = JSON.parse(payload);
    if (event.step_slug === null && onEnd && event.run_id === onEnd.runId) onEnd.resolve(now());
  });
  const blocked = connect();
  const poller = connect();
  for (let i = 0; i < (quick ? 20 : 50); i++) {
    for (const method of Object.keys(waiters)) {
      const [{ run_id: runId }] = await completer`select run_id from pgflow.start_flow('wake', '{}')`;
      const [task] = await completer`select run_id, step_slug, task_index from pgflow.poll_for_tasks('wake', 60, 1, 0)`;
      let woke;
      if (method === 'listen') {
        woke = new Promise((resolve) => { onEnd = { runId, resolve }; });
      } else if (method === 'wait_for_run') {
        woke = blocked`select status from pgflow.wait_for_run(${runId}, 30000)`.then(() => now());
      } else {
        woke = (async () => {
          for (;;) {
            const [run] = await poller`select status from pgflow.runs where run_id = ${runId}`;
            if (run.status !== 'started') return now();
            await new Promise((r) => setTimeout(r, 50));
          }
        })();
      }
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 50));
      await completer`select 1 from pgflow.complete_task(${task.run_id}, ${task.step_slug}, ${task.task_index}, '1')`;
      const committed = now();
      waiters[method].push(Math.max(0, (await woke) - committed));
    }
  }
  await Promise.all([completer.end(), listener.end(), blocked.end(), poller.end()]);
  return Object.entries(waiters).map(([method, xs]) => ({ method, medianMs: median(xs), p99Ms: percentile(xs, 99), samples: xs.length }));
}

// A claim's cost per task should not depend on how many it claims: one call claiming 1,000 of a
// fan-out of 1,000,000 queued tasks, and one claiming all 1,000,000.
const BIG_N = quick ? 100_000 : 1_000_000;
async function bigClaims(admin) {
  await admin`select pgflow.create_flow('bigclaim')`;
  await admin`select pgflow.add_step('bigclaim', 'items', step_type => 'fanout')`;
  const results = [];
  for (const qty of [1_000, BIG_N]) {
    await extension.reset(admin);
    await admin`select count(*) from pgflow.start_flow('bigclaim', (select jsonb_agg(i) from generate_series(1, ${BIG_N}) i))`;
    await admin`vacuum analyze pgflow.step_tasks`;
    const t = now();
    const [{ claimed }] = await admin`select count(*)::int as claimed from pgflow.poll_for_tasks('bigclaim', 600, ${qty}, 0)`;
    const ms = now() - t;
    results.push({ qty, claimed, ms, usPerTask: (ms * 1000) / claimed });
  }
  await extension.reset(admin);
  return results;
}

// The shipped dsl-ts worker, default options (batchSize 10, concurrency 10), a handler that does
// nothing, two workers, against the raw driver of this file with the same W and B.
const SHIPPED_N = quick ? 10_000 : 100_000;
const noOp = new Flow({ slug: 'shipped', timeout: 60 }).map({ slug: 'work' }, (item) => item);
async function runWithShippedWorkers(admin, flow, input, workers, options = {}) {
  // Host, port and user come from the PG* variables, as for every connection of this driver.
  const url = `postgres:///${process.env.PGDATABASE}`;
  const started = workers.map(() => startWorker({ flow, connectionString: url, handleSignals: false, ...options }));
  await Promise.all(started.map((w) => w.ready));
  const t = now();
  const runId = await startRun(flow, input, { sql: admin });
  await waitForRun(flow, runId, { sql: admin, timeoutMs: CAP_MS });
  const ms = now() - t;
  await Promise.all(started.map((w) => w.stop()));
  return { ms, stats: started.map((w) => w.stats) };
}

async function shippedWorker(admin) {
  await admin`select pgflow.ensure_flow_compiled('shipped', ${admin.json(flowShape(noOp))})`;
  await extension.reset(admin);
  const input = Array.from({ length: SHIPPED_N }, (_, i) => ({ i }));
  const shipped = await runWithShippedWorkers(admin, noOp, input, [1, 2]);
  await extension.reset(admin);
  const raw = await extension.run(SHIPPED_N, 2, 10, now() + CAP_MS);
  return { n: SHIPPED_N, shippedRate: SHIPPED_N / (shipped.ms / 1000), rawRate: rate(raw),
           carried: shipped.stats.reduce((sum, s) => sum + s.carriedCompletions, 0) };
}

// The Rust worker of client/ (client/examples/noop_worker.rs), two processes with the shipped
// worker's defaults (batch 10, concurrency 10), against the dsl-ts worker and the raw driver, at
// N = 10,000 and 100,000.
const RUST_WORKER = process.env.BENCH_RUST_WORKER;
async function rustWorker(admin) {
  const { spawn } = await import('node:child_process');
  await admin`select pgflow.ensure_flow_compiled('shipped', ${admin.json(flowShape(noOp))})`;
  const url = `host=${process.env.PGHOST} port=${process.env.PGPORT} user=${process.env.PGUSER} dbname=${process.env.PGDATABASE}`;
  const rows = [];
  for (const n of quick ? [10_000] : [10_000, 100_000]) {
    const input = Array.from({ length: n }, (_, i) => ({ i }));
    await extension.reset(admin);
    const workers = [1, 2].map(() => spawn(RUST_WORKER, [url, 'shipped', 'work', '10', '10'], { stdio: ['ignore', 'ignore', 'inherit'] }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    let t = now();
    const runId = await startRun(noOp, input, { sql: admin });
    await waitForRun(noOp, runId, { sql: admin, timeoutMs: CAP_MS });
    const rustMs = now() - t;
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((resolve) => w.on('exit', resolve))));
    await extension.reset(admin);
    const shipped = await runWithShippedWorkers(admin, noOp, input, [1, 2]);
    await extension.reset(admin);
    const raw = await extension.run(n, 2, 10, now() + CAP_MS);
    rows.push({ n, rust: n / (rustMs / 1000), shipped: n / (shipped.ms / 1000), raw: rate(raw) });
  }
  return rows;
}

// Workers against graphile-worker: N no-op items processed by worker processes of each system,
// 1 and 2 processes, plain and batched settings, in one run on one cluster. graphile-worker's
// batched settings are its performance page's (concurrentJobs 24, maxPoolSize 25, localQueue 500,
// completeJobBatchDelay and failJobBatchDelay 0). Enqueue: graphile's addJobs of N jobs in one
// call, our start_flow of a fan-out over N items (the spawn). items/s counts from the end of the
// enqueue to the last item done (the run's end, or graphile's queue empty). Every system runs in
// worker processes of its own (bench/worker-process.mjs; the Rust worker: client/examples/noop_worker).
const CMP_SIZES = list('BENCH_CMP_SIZES', quick ? [20_000] : [100_000, 1_000_000]);
const CMP_SYSTEMS = [
  { name: 'graphile-worker', setting: 'plain', detail: 'concurrentJobs 10', kind: 'graphile', options: { concurrentJobs: 10 } },
  { name: 'graphile-worker', setting: 'batched', detail: 'concurrentJobs 24, maxPoolSize 25, localQueue 500, completeJobBatchDelay 0, failJobBatchDelay 0 (its performance page\'s)',
    kind: 'graphile', options: { concurrentJobs: 24, maxPoolSize: 25, localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  { name: 'dsl-ts worker', setting: 'plain', detail: 'batchSize 10, concurrency 10 (its defaults: for latency)', kind: 'dsl-ts', options: { batchSize: 10, concurrency: 10 } },
  { name: 'dsl-ts worker', setting: 'batched', detail: 'batchSize 500, concurrency 500 (one claim at a time)', kind: 'dsl-ts', options: { batchSize: 500, concurrency: 500 } },
  { name: 'dsl-ts worker', setting: 'batched, two claims', detail: 'batchSize 500, concurrency 1000 (for throughput: two claims on their way at once)', kind: 'dsl-ts', options: { batchSize: 500, concurrency: 1000 } },
  { name: 'Rust worker', setting: 'plain', detail: 'batch_size 10, concurrency 10 (its defaults: for latency)', kind: 'rust', options: [10, 10] },
  { name: 'Rust worker', setting: 'batched', detail: 'batch_size 500, concurrency 500 (for throughput)', kind: 'rust', options: [500, 500] },
  { name: 'raw driver', setting: 'batched', detail: 'B = 500, one connection per process (bench/driver.mjs)', kind: 'raw', options: { batchSize: 500 } },
];
// The plain settings at the largest N take minutes on two cores and say nothing the smaller N does
// not. BENCH_CMP_EXPERIMENT (a JSON list like CMP_SYSTEMS) measures other settings instead.
const cmpRuns = (n) => (process.env.BENCH_CMP_EXPERIMENT ? JSON.parse(process.env.BENCH_CMP_EXPERIMENT) : CMP_SYSTEMS)
  .filter((s) => n <= 100_000 || s.setting !== 'plain');

// Runs of each configuration, the best one kept: two up to 100,000 items, one above (minutes each).
const cmpRepeats = (n) => Number(process.env.BENCH_CMP_REPEATS ?? (n <= 100_000 ? 2 : 1));

async function startWorkerProcesses(system, count) {
  const { spawn } = await import('node:child_process');
  const url = `host=${process.env.PGHOST} port=${process.env.PGPORT} user=${process.env.PGUSER} dbname=${process.env.PGDATABASE}`;
  const children = Array.from({ length: count }, () => system.kind === 'rust'
    ? spawn(RUST_WORKER, [url, comparedFlow.slug, 'work', ...system.options.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(process.execPath, [new URL('./worker-process.mjs', import.meta.url).pathname, system.kind, JSON.stringify(system.options)],
      { stdio: ['ignore', 'pipe', 'inherit'] }));
  // The Rust worker says nothing when it is ready: it has read its flow within half a second.
  await Promise.all(children.map((child) => system.kind === 'rust'
    ? new Promise((resolve) => setTimeout(resolve, 500))
    : new Promise((resolve, reject) => {
      child.stdout.on('data', (data) => { if (String(data).includes('ready')) resolve(); });
      child.on('exit', (code) => reject(new Error(`a ${system.name} process exited (${code}) before it was ready`)));
    })));
  return async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => child.exitCode !== null ? null : new Promise((resolve) => child.on('exit', resolve))));
  };
}

// Looks every 10 ms until done() says how it ended (true: every item done) or the cap passes
// (false). Short looks for both systems: one long wait_for_run would hold its statement's
// snapshot for the whole run, and with it vacuum and the cleanup of the queue's index.
async function lookUntilDone(done) {
  const deadline = now() + CAP_MS;
  for (;;) {
    const ended = await done();
    if (ended !== undefined) return ended;
    if (now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function compareOne(admin, system, n, processes) {
  const items = Array.from({ length: n }, (_, i) => ({ i }));
  await admin`truncate pgflow.step_tasks, pgflow.step_parts, pgflow.step_states, pgflow.runs`;
  await admin`delete from graphile_worker._private_jobs`;
  await admin`vacuum analyze pgflow.step_tasks`;
  const stopWorkers = await startWorkerProcesses(system, processes);
  try {
    const t0 = now();
    let done;
    if (system.kind === 'graphile') {
      const utils = await makeWorkerUtils({ connectionString: `postgres:///${process.env.PGDATABASE}` });
      // One call, one transaction: no job is visible, so none runs, before the last is queued.
      await utils.addJobs(items.map((payload) => ({ identifier: 'noop', payload })));
      await utils.release();
      done = async () => ((await admin`select exists (select from graphile_worker._private_jobs) as left`)[0].left ? undefined : true);
    } else {
      const [{ run_id }] = await admin`select run_id from pgflow.start_flow(${comparedFlow.slug}, ${admin.json(items)})`;
      done = async () => {
        const [{ status }] = await admin`select status from pgflow.runs where run_id = ${run_id}`;
        return status === 'started' ? undefined : status === 'completed';
      };
    }
    const t1 = now();
    const ok = await lookUntilDone(done);
    const t2 = now();
    return { enqueueMs: t1 - t0, rate: n / ((t2 - t1) / 1000), ok };
  } finally {
    await stopWorkers();
  }
}

// The comparison as BENCHMARKS.md shows it, with the targets of the shipped workers: at their best
// settings at least 1.2x graphile-worker at its best, and within 0.9x of the raw batched driver.
function compareLines(rows) {
  const lines = ['## Workers against graphile-worker', '',
    `No-op handlers, N items, worker processes of each system on this cluster, one run of the bench; each configuration ` +
    `the best of ${cmpRepeats(CMP_SIZES[0])} runs at N = ${CMP_SIZES[0]}${CMP_SIZES.length > 1 ? `, of ${cmpRepeats(CMP_SIZES[CMP_SIZES.length - 1])} at N = ${CMP_SIZES[CMP_SIZES.length - 1]}` : ''}. items/s from the end of the ` +
    'enqueue (graphile-worker\'s `addJobs`, our `start_flow` spawning a fan-out over N items) to the last item done. Settings:', ''];
  const seen = new Set();
  for (const system of CMP_SYSTEMS) {
    const key = `${system.name} ${system.setting}`;
    if (!seen.has(key)) { seen.add(key); lines.push(`- ${key}: ${system.detail}`); }
  }
  lines.push('', '| N | system | settings | processes | enqueue ms | items/s |', '|---:|---|---|---:|---:|---:|');
  for (const r of rows) {
    lines.push(`| ${r.n} | ${r.system.name} | ${r.system.setting} | ${r.processes} | ${Math.round(r.enqueueMs)} | ${Math.round(r.rate)}${r.ok ? '' : ' (not completed)'} |`);
  }
  lines.push('', '| N | processes | shipped worker | its best items/s | / graphile-worker batched (target 1.2x) | / raw driver batched (target 0.9x) |', '|---:|---:|---|---:|---:|---:|');
  const best = (n, p, name) => Math.max(0, ...rows.filter((r) => r.n === n && r.processes === p && r.system.name === name).map((r) => r.rate));
  for (const n of CMP_SIZES) for (const p of [1, 2]) {
    const graphile = best(n, p, 'graphile-worker');
    const raw = best(n, p, 'raw driver');
    for (const name of ['dsl-ts worker', 'Rust worker']) {
      const ours = best(n, p, name);
      if (ours === 0 || graphile === 0 || raw === 0) continue;
      const mark = (x, target) => `${x.toFixed(2)}x ${x >= target ? 'met' : 'not met'}`;
      lines.push(`| ${n} | ${p} | ${name} | ${Math.round(ours)} | ${mark(ours / graphile, 1.2)} | ${mark(ours / raw, 0.9)} |`);
    }
  }
  lines.push('');
  return lines;
}

async function compareWorkers(admin) {
  await runMigrations({ connectionString: `postgres:///${process.env.PGDATABASE}`, logger: new Logger(() => () => {}) });
  await admin`select pgflow.ensure_flow_compiled(${comparedFlow.slug}, ${admin.json(flowShape(comparedFlow))})`;
  const rows = [];
  for (const n of CMP_SIZES) for (const system of cmpRuns(n)) for (const processes of [1, 2]) {
    if (system.kind === 'rust' && !RUST_WORKER) continue;
    // The best of CMP_REPEATS runs: graphile-worker's runs vary by 2x and more from one to the next
    // here (its local queue starts slow now and then); each system gets its best.
    let r = null;
    for (let i = 0; i < cmpRepeats(n); i++) {
      const run = await compareOne(admin, system, n, processes);
      if (r === null || (run.ok && (!r.ok || run.rate > r.rate))) r = run;
    }
    rows.push({ n, system, processes, ...r });
    console.log(`compare N=${n} ${system.name} ${system.setting}, ${processes} process(es): enqueue ${Math.round(r.enqueueMs)} ms, ` +
      `${Math.round(r.rate)} items/s${r.ok ? '' : ' (RUN NOT COMPLETED)'}`);
  }
  await admin`truncate pgflow.step_tasks, pgflow.step_parts, pgflow.step_states, pgflow.runs`;
  return rows;
}

// Hours, not seconds: consecutive runs with the shipped worker (two workers, batches of 100) on
// one database, finished runs kept, as a service would run for a day. The last runs' throughput
// against the first ones', and what the queue's table and indexes weigh at the end.
const SOAK_RUNS = quick ? 5 : 20;
const SOAK_N = quick ? 10_000 : 50_000;
async function soak(admin) {
  await extension.reset(admin);
  const input = Array.from({ length: SOAK_N }, (_, i) => ({ i }));
  const rates = [];
  // Blocks of step_tasks and its indexes read from outside shared buffers, per run: what a queue
  // that keeps its finished runs costs once it outgrows them.
  const reads = [];
  const blocksRead = async () => {
    const [r] = await admin`select (coalesce(heap_blks_read, 0) + coalesce(idx_blks_read, 0))::float8 as n
                            from pg_statio_user_tables where relid = 'pgflow.step_tasks'::regclass`;
    return r.n;
  };
  for (let i = 0; i < SOAK_RUNS; i++) {
    const before = await blocksRead();
    const r = await runWithShippedWorkers(admin, noOp, input, [1, 2], { batchSize: 100, concurrency: 100 });
    rates.push(SOAK_N / (r.ms / 1000));
    // The statistics collector's counts arrive within its 500 ms flush; read them after it.
    await new Promise((resolve) => setTimeout(resolve, 600));
    reads.push((await blocksRead()) - before);
    console.log(`soak run ${i + 1}/${SOAK_RUNS}: ${Math.round(rates.at(-1))} tasks/s, ${reads.at(-1)} blocks read`);
  }
  const [sizes] = await admin`
    select pg_relation_size('pgflow.step_tasks') as heap,
           pg_relation_size('pgflow.step_tasks_queued_idx') as queued_idx,
           pg_relation_size('pgflow.step_tasks_leased_idx') as leased_idx,
           pg_relation_size('pgflow.step_tasks_pkey') as pkey,
           (select n_dead_tup from pg_stat_user_tables where relid = 'pgflow.step_tasks'::regclass) as dead,
           (select n_live_tup from pg_stat_user_tables where relid = 'pgflow.step_tasks'::regclass) as live,
           (select autovacuum_count from pg_stat_user_tables where relid = 'pgflow.step_tasks'::regclass) as autovacuums`;
  const avg = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  // The least-squares line through the runs, at the first run and the last: a trend, where the
  // first and last three also carry each run's noise.
  const mid = (SOAK_RUNS - 1) / 2;
  const mean = avg(rates);
  const slope = rates.reduce((a, r, i) => a + (i - mid) * (r - mean), 0) / rates.reduce((a, _, i) => a + (i - mid) ** 2, 0);
  return { rates, reads, first: avg(rates.slice(0, 3)), last: avg(rates.slice(-3)), sizes,
           fitFirst: mean - slope * mid, fitLast: mean + slope * mid,
           readsFirst: avg(reads.slice(0, 3)), readsLast: avg(reads.slice(-3)) };
}

// Spawn alone: a root fan-out of SPAWN_N items started from an array built in the server (less the
// time to build that array, timed apart), against the floor's INSERT of SPAWN_N rows; medians of 5.
const SPAWN_N = quick ? 10_000 : 100_000;
async function spawnCost(admin) {
  await admin`select pgflow.ensure_flow_compiled('spawncost', ${admin.json({ steps: [{ slug: 'work', stepType: 'map' }] })})`;
  const times = { build: [], engine: [], floor: [] };
  for (let i = 0; i < 5; i++) {
    await extension.reset(admin);
    await floor.reset(admin);
    let t = now();
    // jsonb_array_length consumes the array: a column nothing reads is dropped by the planner, and
    // the array never built (session 8 subtracted 6 ms for a build that takes about 95).
    await admin`select jsonb_array_length(jsonb_agg(jsonb_build_object('i', i))) from generate_series(0, ${SPAWN_N - 1}) i`;
    times.build.push(now() - t);
    t = now();
    await admin`select 1 from pgflow.start_flow('spawncost', (select jsonb_agg(jsonb_build_object('i', i)) from generate_series(0, ${SPAWN_N - 1}) i))`;
    times.engine.push(now() - t);
    t = now();
    await admin`insert into floor_tasks (run, idx, item) select 1, i, jsonb_build_object('i', i) from generate_series(0, ${SPAWN_N - 1}) i`;
    times.floor.push(now() - t);
  }
  await extension.reset(admin);
  await floor.reset(admin);
  const engineMs = median(times.engine) - median(times.build);
  return { n: SPAWN_N, engineMs, floorMs: median(times.floor), buildMs: median(times.build) };
}
// The printed line of spawnCost's result.
const spawnSummary = (spawn) =>
  `spawn of ${spawn.n}: engine ${spawn.engineMs.toFixed(0)} ms (after ${spawn.buildMs.toFixed(0)} ms to build the array), floor INSERT ${spawn.floorMs.toFixed(0)} ms (${(spawn.engineMs / spawn.floorMs).toFixed(2)}x)`;

// Huge fan-outs: a root fan-out of N items (integers; the array built in the server and timed apart),
// spawned by start_flow, then drained for up to the cap by HUGE_W workers claiming HUGE_B at a time
// (complete_tasks_and_poll, one call and one commit a batch), against the floor's INSERT of N rows
// and its workers (an UPDATE of the answered batch, a FOR UPDATE SKIP LOCKED claim of the next).
// Each N twice: with the statistics taken before the spawn (a vacuum analyze of the empty queue,
// what a worker meets after a quiet night) and after it (an analyze of the full queue); the
// workers connect after both. N = 100,000 is the reference the larger sizes are compared with.
const HUGE = list('BENCH_HUGE', quick ? [100_000, 1_000_000] : [100_000, 1_000_000, 10_000_000]);
const HUGE_W = 2;
const HUGE_B = 100;
// HUGE_W workers, each on a connection of its own, each calling step(sql, held) with the tasks it
// holds until n tasks are done or the deadline passes; step answers the tasks held and returns the
// next ones it claimed (keys only). Returns how many were done, and in how many ms.
async function drain(n, deadline, step) {
  let done = 0;
  const t = now();
  await eachWorker(HUGE_W, () => connect(undefined, WORKER_CONNECTION), async (sql) => {
    let held = [];
    while (done < n && now() < deadline) {
      const next = await step(sql, held);
      done += held.length;
      held = next;
      if (held.length === 0 && done < n) await new Promise((r) => setTimeout(r, 5));
    }
  });
  return { done, ms: now() - t };
}
// The engine: one call a batch, complete_tasks_and_poll (a poll while nothing is held).
const drainRoot = (n, deadline) => drain(n, deadline, (sql, held) => held.length === 0
  ? sql`select run_id, step_slug, task_index from pgflow.poll_for_tasks('bench_root', 60, ${HUGE_B}, 0)`
  : sql`select run_id, step_slug, task_index
        from pgflow.complete_tasks_and_poll(
          ${sql.array(held.map((t) => t.run_id))}::uuid[], ${sql.array(held.map((t) => t.step_slug))}::text[],
          ${sql.array(held.map((t) => t.task_index))}::int[],
          array_fill('{"ok": true}'::jsonb, array[${held.length}::int]), 'bench_root', 60, ${HUGE_B})`);
// The floor: an UPDATE of the answered batch, then a FOR UPDATE SKIP LOCKED claim of the next.
const drainFloor = (n, deadline) => drain(n, deadline, async (sql, held) => {
  if (held.length > 0) {
    await sql`update floor_tasks set status = 'completed', output = '{"ok": true}' where run = 1 and idx = any(${sql.array(held)}::int[])`;
  }
  return (await sql`
    update floor_tasks f set status = 'started'
    from (select run, idx from floor_tasks where run = 1 and status = 'queued'
          order by idx limit ${HUGE_B} for update skip locked) c
    where f.run = c.run and f.idx = c.idx
    returning f.idx`).map((r) => r.idx);
});
async function hugeFanouts(admin) {
  await admin`select pgflow.ensure_flow_compiled('bench_root', ${admin.json({ steps: [{ slug: 'work', stepType: 'map' }] })})`;
  const rows = [];
  for (const n of HUGE) {
    for (const stats of ['before', 'after']) {
      await extension.reset(admin);
      await floor.reset(admin);
      await admin`checkpoint`;
      let t = now();
      await admin`select jsonb_array_length(jsonb_agg(i)) from generate_series(0, ${n - 1}) i`;
      const buildMs = now() - t;
      // What a spawn writes per task, the engine's against the floor's: WAL, and the table and its
      // indexes (what bounds a spawn that the floor's INSERT outruns).
      const written = async (fn, relations) => {
        const [{ lsn }] = await admin`select pg_current_wal_lsn()::text as lsn`;
        await fn();
        const [w] = await admin`
          select pg_wal_lsn_diff(pg_current_wal_lsn(), ${lsn}::pg_lsn)::float8 as wal,
                 (select sum(pg_relation_size(c.oid))::float8 from pg_class c
                   where c.oid = any(${relations}::regclass[]) or c.oid in (select indexrelid from pg_index where indrelid = any(${relations}::regclass[]))) as bytes`;
        return { wal: w.wal / n, bytes: w.bytes / n };
      };
      t = now();
      const engineWrote = await written(
        () => admin`select 1 from pgflow.start_flow('bench_root', (select jsonb_agg(i) from generate_series(0, ${n - 1}) i))`,
        ['pgflow.step_tasks']);
      const spawnMs = now() - t - buildMs;
      if (stats === 'after') await admin`analyze pgflow.step_tasks`;
      const engine = await drainRoot(n, now() + CAP_MS);
      await extension.reset(admin);
      await admin`checkpoint`;
      t = now();
      const floorWrote = await written(
        () => admin`insert into floor_tasks (run, idx, item) select 1, i, to_jsonb(i) from generate_series(0, ${n - 1}) i`,
        ['floor_tasks']);
      const floorSpawnMs = now() - t;
      if (stats === 'after') await admin`analyze floor_tasks`;
      const floorRun = await drainFloor(n, now() + CAP_MS);
      await floor.reset(admin);
      const row = { n, stats, buildMs, spawnMs, floorSpawnMs, engineWrote, floorWrote, rate: engine.done / (engine.ms / 1000),
                    floorRate: floorRun.done / (floorRun.ms / 1000), done: engine.done, floorDone: floorRun.done };
      rows.push(row);
      console.log(hugeLine(row));
    }
  }
  return rows;
}
const hugeLine = (r) =>
  `huge N=${r.n} statistics ${r.stats} the spawn: spawn ${Math.round(r.spawnMs)} ms (${(1000 * r.spawnMs / r.n).toFixed(2)} us/task; ` +
  `array built in ${Math.round(r.buildMs)} ms), floor INSERT ${Math.round(r.floorSpawnMs)} ms (${(r.spawnMs / r.floorSpawnMs).toFixed(2)}x); ` +
  `W=${HUGE_W} B=${HUGE_B}: ${Math.round(r.rate)}/s (${r.done} done), floor ${Math.round(r.floorRate)}/s (${r.floorDone} done), ${(r.rate / r.floorRate).toFixed(2)}x; ` +
  `written per task: WAL ${Math.round(r.engineWrote.wal)} B, table and indexes ${Math.round(r.engineWrote.bytes)} B (floor ${Math.round(r.floorWrote.wal)} B, ${Math.round(r.floorWrote.bytes)} B)`;
function hugeLines(rows) {
  const lines = ['## Huge fan-outs', '',
    `A root fan-out of N integers (the array built in the server, timed apart and not counted), spawned by \`start_flow\`, ` +
    `then drained by W = ${HUGE_W} workers of B = ${HUGE_B} (\`complete_tasks_and_poll\`) for up to the cap, against the floor ` +
    `(an INSERT of N rows into its table with its queue index, then claims with \`FOR UPDATE SKIP LOCKED\`). Each N with the ` +
    'statistics taken before the spawn (of the empty queue) and after it (of the full queue); the workers connect after both. ' +
    'The last columns compare with N = 100,000 under the same statistics.', '',
    '| N | statistics | spawn ms | us per task | floor INSERT ms | spawn / floor | spawn WAL B per task: rs / floor | table and indexes B per task: rs / floor | tasks/s | floor tasks/s | tasks/s / floor | spawn us per task / at 100,000 | tasks/s / at 100,000 |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    const ref = rows.find((x) => x.n === 100_000 && x.stats === r.stats) ?? r;
    const perTask = (x) => x.spawnMs / x.n;
    lines.push(`| ${r.n} | ${r.stats} the spawn | ${Math.round(r.spawnMs)} | ${(1000 * perTask(r)).toFixed(2)} | ${Math.round(r.floorSpawnMs)} | ` +
      `${(r.spawnMs / r.floorSpawnMs).toFixed(2)}x | ${Math.round(r.engineWrote.wal)} / ${Math.round(r.floorWrote.wal)} | ` +
      `${Math.round(r.engineWrote.bytes)} / ${Math.round(r.floorWrote.bytes)} | ${Math.round(r.rate)}${r.done < r.n ? ` (capped: ${r.done})` : ''} | ` +
      `${Math.round(r.floorRate)}${r.floorDone < r.n ? ` (capped: ${r.floorDone})` : ''} | ${(r.rate / r.floorRate).toFixed(2)}x | ` +
      `${(perTask(r) / perTask(ref)).toFixed(2)}x | ${(r.rate / ref.rate).toFixed(2)}x |`);
  }
  lines.push('');
  return lines;
}

// Shapes of fan-out, each run end to end by the shipped dsl-ts worker (two workers, batchSize 10,
// concurrency 10, no-op handlers): a fan-out capped at 20 per run and a flow capped at 20 against
// the same fan-out uncapped (what a cap costs), batches of 10 and 100 items per task against one,
// and a sub-flow fan-out of 1,000 child runs of three single steps each.
const SHAPES_N = quick ? 2_000 : 10_000;
const SUBFLOW_N = quick ? 200 : 1_000;
async function shapesOfFanout(admin) {
  const input = Array.from({ length: SHAPES_N }, (_, i) => ({ i }));
  const timed = async (flow, items, options = {}) => {
    await admin`select pgflow.ensure_flow_compiled(${flow.slug}, ${admin.json(flowShape(flow))})`;
    await extension.reset(admin);
    const r = await runWithShippedWorkers(admin, flow, items, [1, 2], options);
    return { ms: r.ms, rate: items.length / (r.ms / 1000) };
  };
  const uncapped = await timed(new Flow({ slug: 'shape_uncapped' }).map({ slug: 'work' }, (x) => x), input);
  const stepCap = await timed(new Flow({ slug: 'shape_step_cap' }).map({ slug: 'work', maxConcurrency: 20 }, (x) => x), input);
  const flowCap = await timed(new Flow({ slug: 'shape_flow_cap', maxConcurrency: 20 }).map({ slug: 'work' }, (x) => x), input);
  const batches = [];
  for (const size of [10, 100]) {
    const flow = new Flow({ slug: `shape_batch_${size}` }).batch({ slug: 'work', size }, (items) => items);
    batches.push({ size, ...(await timed(flow, input)) });
  }
  const child = new Flow({ slug: 'shape_child' })
    .step({ slug: 'a' }, ({ run }) => run.i)
    .step({ slug: 'b', dependsOn: ['a'] }, ({ a }) => a + 1)
    .step({ slug: 'c', dependsOn: ['b'] }, ({ b }) => b + 1);
  const parent = new Flow({ slug: 'shape_parent' }).subflow({ slug: 'children', flow: child });
  await admin`select pgflow.ensure_flow_compiled('shape_child', ${admin.json(flowShape(child))})`;
  await admin`select pgflow.ensure_flow_compiled('shape_parent', ${admin.json(flowShape(parent))})`;
  await extension.reset(admin);
  const url = `postgres:///${process.env.PGDATABASE}`;
  const childWorkers = [1, 2].map(() => startWorker({ flow: child, connectionString: url, handleSignals: false }));
  await Promise.all(childWorkers.map((w) => w.ready));
  const t = now();
  const runId = await startRun(parent, Array.from({ length: SUBFLOW_N }, (_, i) => ({ i })), { sql: admin });
  const startMs = now() - t;
  await waitForRun(parent, runId, { sql: admin, timeoutMs: CAP_MS });
  const subflowMs = now() - t;
  await Promise.all(childWorkers.map((w) => w.stop()));
  return { n: SHAPES_N, uncapped, stepCap, flowCap, batches, subflow: { n: SUBFLOW_N, startMs, ms: subflowMs } };
}

function shapesLines(shapes) {
  const r = (x) => `${Math.round(x.rate)}`;
  const lines = ['## Shapes of fan-out', '', `Each run end to end by the shipped dsl-ts worker (two workers, batchSize 10, ` +
    `concurrency 10, no-op handlers), N = ${shapes.n}:`, ''];
  lines.push('| shape | tasks/s | against uncapped, one item per task |', '|---|---:|---:|');
  lines.push(`| fan-out, no cap, one item per task | ${r(shapes.uncapped)} | 1.00x |`);
  lines.push(`| fan-out capped at 20 per run (\`max_concurrency\` on the step) | ${r(shapes.stepCap)} | ${(shapes.stepCap.rate / shapes.uncapped.rate).toFixed(2)}x |`);
  lines.push(`| flow capped at 20 leases (\`max_concurrency\` on the flow) | ${r(shapes.flowCap)} | ${(shapes.flowCap.rate / shapes.uncapped.rate).toFixed(2)}x |`);
  for (const b of shapes.batches) lines.push(`| batches of ${b.size} items per task (items/s) | ${r(b)} | ${(b.rate / shapes.uncapped.rate).toFixed(2)}x |`);
  const s = shapes.subflow;
  lines.push('', `A sub-flow fan-out of ${s.n} child runs of three single steps each (${3 * s.n} child tasks), end to end: ` +
    `${Math.round(s.ms)} ms (${Math.round(s.n / (s.ms / 1000))} child runs/s, ${Math.round(3 * s.n / (s.ms / 1000))} tasks/s); ` +
    `\`start_flow\` of the parent, which starts all ${s.n} children, took ${Math.round(s.startMs)} ms.`, '');
  return lines;
}

// --only a,b runs a subset of the systems (for working on one); the report needs all three.
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
const systems = [extension, npmPgflow, floor].filter((x) => only === null || only.includes(x.name));
// --watch-only runs the watching measurements alone and prints them (no report); --soak-only the
// soak and the shipped worker.
const watchOnly = args.includes('--watch-only');
const soakOnly = args.includes('--soak-only');
// --grid-only: the configurations alone, printed (for profiling one of them with pg_stat_statements).
const gridOnly = args.includes('--grid-only');
// --workers-only: the Rust worker beside the dsl-ts worker and the raw driver, printed.
const workersOnly = args.includes('--workers-only');
// --compare-only: the workers against graphile-worker alone, printed and written into their
// section of the report (--out).
const compareOnly = args.includes('--compare-only');
// --shapes-only: the shapes of fan-out alone, printed.
const shapesOnly = args.includes('--shapes-only');
// --spawn-only: the spawn of SPAWN_N tasks against the floor's INSERT alone, printed.
const spawnOnly = args.includes('--spawn-only');
// --huge-only: the huge fan-outs alone, printed.
const hugeOnly = args.includes('--huge-only');
const results = [];
const admin = connect();
for (const system of systems) await system.setup(admin);
await admin`create extension if not exists pg_stat_statements`;
await admin`select pg_stat_statements_reset()`;
const [{ version }] = await admin`select current_setting('server_version') as version`;
const settings = await admin`
  select name, setting from pg_settings
  where name in ('shared_buffers', 'synchronous_commit', 'fsync', 'max_connections', 'work_mem', 'wal_level')
  order by name`;

for (const n of watchOnly || soakOnly || shapesOnly || workersOnly || compareOnly || spawnOnly || hugeOnly ? [] : SIZES) for (const w of WORKERS) for (const b of BATCHES) {
  const row = { n, w, b };
  for (const system of systems) {
    const declined = system.declines?.(n, w, b);
    if (declined) {
      row[system.name] = { done: 0, elapsed: 1, spawnMs: null, aggregateMs: null, ok: false, finished: false, notRun: declined };
      console.log(`${system.name.padEnd(10)} N=${n} W=${w} B=${b}: not run: ${declined}`);
      continue;
    }
    await system.reset(admin);
    const r = await system.run(n, w, b, now() + CAP_MS);
    row[system.name] = r;
    const rate = Math.round(r.done / (r.elapsed / 1000));
    console.log(`${system.name.padEnd(10)} N=${n} W=${w} B=${b}: ${r.done}/${n} tasks in ${Math.round(r.elapsed)} ms = ${rate}/s` +
      ` spawn ${fmt(r.spawnMs)} ms, aggregate ${fmt(r.aggregateMs)} ms${r.finished ? '' : ' (capped)'}${r.ok ? '' : ' OUTPUT CHECK FAILED'}`);
  }
  results.push(row);
}
let watching = null;
let queue = null;
let shapes = null;
let huge = null;
if (gridOnly) { await admin.end(); process.exit(0); }
if (hugeOnly || (!watchOnly && !soakOnly && !shapesOnly && !workersOnly && !compareOnly && !spawnOnly && only === null)) {
  huge = await hugeFanouts(admin);
  if (hugeOnly) { await admin.end(); process.exit(0); }
}
if (spawnOnly) {
  const spawn = await spawnCost(admin);
  console.log(spawnSummary(spawn));
  await admin.end();
  process.exit(0);
}
if (compareOnly) {
  // Rewrites this section of the report alone (the rest stays as the last full run wrote it).
  const section = compareLines(await compareWorkers(admin));
  const report = readFileSync(out, 'utf8');
  const start = report.indexOf(section[0]);
  const next = start < 0 ? -1 : report.indexOf('\n## ', start + section[0].length);
  const before = start < 0 ? report.indexOf('## The queue over hours') : start;
  const after = start < 0 ? before : next < 0 ? report.length : next + 1;
  writeFileSync(out, report.slice(0, before) + section.join('\n') + '\n' + report.slice(after));
  await admin.end();
  process.exit(0);
}
if (workersOnly) {
  for (const r of await rustWorker(admin)) console.log(`N=${r.n}, W=2, B=10: Rust worker ${Math.round(r.rust)}/s, dsl-ts worker ${Math.round(r.shipped)}/s, raw driver ${Math.round(r.raw)}/s`);
  await admin.end();
  process.exit(0);
}
if (!watchOnly && !soakOnly && (only === null || only.includes('pgflow-rs'))) {
  shapes = await shapesOfFanout(admin);
  for (const line of shapesLines(shapes)) if (line.startsWith('|') || line.startsWith('A sub-flow')) console.log(line);
}
if (shapesOnly) { await admin.end(); process.exit(0); }
if (!watchOnly && (only === null || only.includes('pgflow-rs'))) {
  const shipped = await shippedWorker(admin);
  console.log(`shipped dsl-ts worker, N=${shipped.n}, W=2, defaults: ${Math.round(shipped.shippedRate)}/s; raw driver W=2 B=10: ${Math.round(shipped.rawRate)}/s (${(shipped.shippedRate / shipped.rawRate).toFixed(2)}x; ${shipped.carried} answers carried by polls)`);
  const spawn = only === null || only.includes('floor') ? await spawnCost(admin) : null;
  if (spawn) console.log(spawnSummary(spawn));
  const rust = RUST_WORKER ? await rustWorker(admin) : [];
  for (const r of rust) console.log(`N=${r.n}, W=2, B=10: Rust worker ${Math.round(r.rust)}/s, dsl-ts worker ${Math.round(r.shipped)}/s, raw driver ${Math.round(r.raw)}/s`);
  const compared = await compareWorkers(admin);
  const soaked = await soak(admin);
  console.log(`soak: first 3 runs ${Math.round(soaked.first)}/s, last 3 ${Math.round(soaked.last)}/s (${(soaked.last / soaked.first).toFixed(2)}x); ` +
    `step_tasks ${Math.round(soaked.sizes.heap / 2 ** 20)} MiB, queued idx ${Math.round(soaked.sizes.queued_idx / 2 ** 20)} MiB, leased idx ${Math.round(soaked.sizes.leased_idx / 2 ** 20)} MiB, ` +
    `${soaked.sizes.dead} dead / ${soaked.sizes.live} live, ${soaked.sizes.autovacuums} autovacuums; ` +
    `trend ${(soaked.fitLast / soaked.fitFirst).toFixed(2)}x, blocks read per run ${Math.round(soaked.readsFirst)} -> ${Math.round(soaked.readsLast)}`);
  queue = { shipped, soaked, spawn, rust, compared };
}
if (soakOnly) { await admin.end(); process.exit(0); }
if (only === null || only.includes('pgflow-rs')) {
  const cost = [await progressCost(admin, 1_000), await progressCost(admin, WATCH_N)];
  const without = await throughputWithReader(admin, false);
  const withReader = await throughputWithReader(admin, true);
  const wake = await wakeLatency(admin);
  const claims = await bigClaims(admin);
  const profile = await waitProfile(admin);
  watching = { cost, without, withReader, wake, claims, profile };
  for (const c of claims) console.log(`a claim of ${c.qty} of ${BIG_N} queued: ${c.claimed} in ${c.ms.toFixed(0)} ms, ${c.usPerTask.toFixed(2)} us per task`);
  for (const c of cost) console.log(`progress at N=${c.n}: median ${c.medianMs.toFixed(3)} ms, p99 ${c.p99Ms.toFixed(3)} ms`);
  console.log(`N=${WATCH_N} W=2 B=100: ${Math.round(without.rate)}/s without a reader, ${Math.round(withReader.rate)}/s with progress every 200 ms (${withReader.reads} reads)`);
  for (const w of wake) console.log(`wake after the ending commit, ${w.method}: median ${w.medianMs.toFixed(2)} ms, p99 ${w.p99Ms.toFixed(2)} ms`);
}
if (watchOnly) { await admin.end(); process.exit(0); }
// Where the time goes: statements by total execution time over the whole benchmark, nested ones
// (the engine's own queries inside the pgflow functions) included.
const top = await admin`
  select calls, round(total_exec_time)::bigint as total_ms,
         round((total_exec_time / calls)::numeric, 3) as mean_ms,
         left(regexp_replace(regexp_replace(query, '--[^' || chr(10) || ']*', '', 'g'), '[[:space:]]+', ' ', 'g'), 110) as query
  from pg_stat_statements
  where query !~* '^\s*(truncate|vacuum|select pg_stat_statements_reset)'
  order by total_exec_time desc limit 15`;
await admin.end();

function fmt(ms) { return ms == null ? '-' : Number(ms).toFixed(ms < 10 ? 1 : 0); }
function rate(r) { return r.done / (r.elapsed / 1000); }

const failed = results.some((r) => systems.some((x) => !r[x.name].ok && r[x.name].finished));
if (only !== null) {
  console.log('--only: no report written');
  process.exit(failed ? 1 : 0);
}

const lines = [];
lines.push('# Benchmarks', '');
lines.push(`Written by \`make bench${quick ? ' BENCH_ARGS=--quick' : ''}\`${quick ? ' (the quick subset of configurations)' : ''} on ${new Date().toISOString().slice(0, 10)}. Machine: ${os.cpus().length} cores, ` +
  `${Math.round(os.totalmem() / 2 ** 30)} GiB, PostgreSQL ${version} (private cluster, settings: ` +
  settings.map((s) => `${s.name}=${s.setting}`).join(', ') + `). Driver: Node ${process.version}, \`postgres\` client, ` +
  `one connection per worker. Cap per configuration: ${CAP_MS / 1000} s.`, '');
lines.push('Flow: `list` (single, returns N small objects) -> `work` (fan-out over `list`) -> `total` (single). ' +
  'Each pgflow-rs worker claims B tasks, then answers them and claims the next B in one ' +
  '`complete_tasks_and_poll` call and one commit per batch (B = 1 included), polling with `poll_for_tasks` only when ' +
  'that claim comes back empty; `list` is answered alone with `complete_task`, so that its spawn is timed alone. pgflow 0.8.1 (npm `@pgflow/core`, on pgmq 1.11.1, in a database of its own on the same ' +
  'cluster) runs through its worker protocol: `pgmq.read_with_poll` of B messages, `pgflow.start_tasks`, then one ' +
  '`pgflow.complete_task` per task (it has no batch call). The floor is the same work in the least SQL: one `INSERT ... generate_series`, claims of B rows with ' +
  '`FOR UPDATE SKIP LOCKED`, one `UPDATE` per answer (per batch for B > 1), one `jsonb_agg(... ORDER BY idx)`.', '');
lines.push('| N | W | B | pgflow-rs tasks/s | pgflow 0.8.1 tasks/s | floor tasks/s | pgflow-rs / pgflow | pgflow-rs / floor | ' +
  'spawn N (ms): rs / pgflow | aggregate N (ms): rs / pgflow | output checked |');
lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
for (const r of results) {
  const e = r['pgflow-rs'], p = r.pgflow, f = r.floor;
  const mark = (x) => (x.notRun ? ' (not run, see below)' : x.finished ? '' : ` (capped: ${x.done} of ${r.n})`);
  const checked = [e, p, f].every((x) => x.ok || !x.finished) ? 'yes' : 'NO';
  lines.push(`| ${r.n} | ${r.w} | ${r.b} | ${Math.round(rate(e))}${mark(e)} | ${Math.round(rate(p))}${mark(p)} | ` +
    `${Math.round(rate(f))}${mark(f)} | ${p.notRun || p.done === 0 ? '-' : (rate(e) / rate(p)).toFixed(1)} | ${(rate(e) / rate(f)).toFixed(2)} | ` +
    `${fmt(e.spawnMs)} / ${fmt(p.spawnMs)} | ${fmt(e.aggregateMs)} / ${fmt(p.aggregateMs)} | ${checked} |`);
}
const notRun = [...new Set(results.flatMap((r) => systems.map((x) => r[x.name].notRun).filter(Boolean)))];
if (notRun.length > 0) lines.push('', ...notRun.map((reason) => `Not run: pgflow where ${reason}.`));
lines.push('', 'Spawn: the `complete_task` call of `list`, which creates the N tasks. Aggregate: from the last `work` ' +
  'task completed to `total` started (the ordered `jsonb_agg` and the release of `total`).', '');
if (queue) {
  const ratio = (r) => rate(r['pgflow-rs']) / rate(r.floor);
  const pick = (pred) => results.filter((r) => pred(r) && r['pgflow-rs']?.finished && r.floor?.finished);
  const span = (rows, f) => rows.length === 0 ? '-' : `${Math.min(...rows.map(f)).toFixed(2)} to ${Math.max(...rows.map(f)).toFixed(2)}`;
  const met = (rows, f, bound, above = true) => rows.length === 0 ? 'not measured' :
    rows.every((r) => (above ? f(r) >= bound : f(r) <= bound)) ? 'met' : 'not met';
  const batched = pick((r) => r.b === 100 && (r.w === 2 || r.w === 4) && (r.n === 10_000 || r.n === 100_000));
  const single = pick((r) => r.b === 1);
  const flat = [];
  for (const r of results) {
    if (r.n !== Math.max(...SIZES)) continue;
    const small = results.find((x) => x.n === Math.min(...SIZES) && x.w === r.w && x.b === r.b);
    if (small && r['pgflow-rs'].finished && small['pgflow-rs'].finished) flat.push({ w: r.w, b: r.b, f: rate(r['pgflow-rs']) / rate(small['pgflow-rs']) });
  }
  const speedups = results.filter((r) => r.pgflow?.finished && r.pgflow.done > 0).map((r) => rate(r['pgflow-rs']) / rate(r.pgflow));
  const { shipped, soaked, spawn, rust } = queue;
  lines.push('## Targets', '', 'Each target of the issue "beyond the floor", measured in this run:', '');
  lines.push('| target | measured | |', '|---|---|---|');
  lines.push(`| batched, W = 2 and 4, B = 100, N = 10,000 and 100,000: 1.0x the floor or more | ${span(batched, ratio)}x | ${met(batched, ratio, 1.0)} |`);
  lines.push(`| one task at a time (B = 1), every W and N: 0.9x the floor or more | ${span(single, ratio)}x | ${met(single, ratio, 0.9)} |`);
  if (spawn) lines.push(`| spawn of ${spawn.n} tasks: within 1.2x of the floor's INSERT | ${spawn.engineMs.toFixed(0)} ms against ${spawn.floorMs.toFixed(0)} ms: ${(spawn.engineMs / spawn.floorMs).toFixed(2)}x | ${spawn.engineMs / spawn.floorMs <= 1.2 ? 'met' : 'not met'} |`);
  lines.push(`| tasks/s at N = ${Math.max(...SIZES)} at least 0.95x N = ${Math.min(...SIZES)}, every W and B | ${span(flat, (x) => x.f)}x | ${met(flat, (x) => x.f, 0.95)} |`);
  lines.push(`| the shipped dsl-ts worker (no-op handler, defaults, W = 2) within 0.8x of the raw driver (W = 2, B = 10), N = ${shipped.n} | ${Math.round(shipped.shippedRate)} against ${Math.round(shipped.rawRate)} tasks/s: ${(shipped.shippedRate / shipped.rawRate).toFixed(2)}x | ${shipped.shippedRate / shipped.rawRate >= 0.8 ? 'met' : 'not met'} |`);
  lines.push(`| soak (${SOAK_RUNS} runs of ${SOAK_N} tasks, the shipped worker): the last runs at 0.95x the first or better | ${(soaked.last / soaked.first).toFixed(2)}x | ${soaked.last / soaked.first >= 0.95 ? 'met' : 'not met'} |`);
  lines.push(`| pgflow 0.8.1 in the same run: the speed-up wherever it finishes | ${speedups.length ? `${Math.min(...speedups).toFixed(1)}x to ${Math.max(...speedups).toFixed(1)}x` : '-'} | reported |`);
  if (huge) {
    // The fan-out issue's targets ("Huge fan-outs and many workers"), from the huge fan-outs and the grid.
    const big = huge.filter((r) => r.n > 100_000);
    const ref = (r) => huge.find((x) => x.n === 100_000 && x.stats === r.stats);
    const spawnRatio = (r) => r.spawnMs / r.floorSpawnMs;
    const perTask = (r) => (r.spawnMs / r.n) / (ref(r).spawnMs / ref(r).n);
    const rateRatio = (r) => r.rate / ref(r).rate;
    const w1 = pick((r) => r.b === 100 && r.w === 1);
    const spanOf = (xs) => xs.length === 0 ? '-' : `${Math.min(...xs).toFixed(2)} to ${Math.max(...xs).toFixed(2)}`;
    lines.push(`| huge fan-outs: spawn at N = 1,000,000 and 10,000,000 within 1.5x of the floor's INSERT | ${spanOf(big.map(spawnRatio))}x | ${big.every((r) => spawnRatio(r) <= 1.5) ? 'met' : 'not met'} |`);
    lines.push(`| huge fan-outs: spawn cost per task at N = 10,000,000 the same as at 100,000 | ${spanOf(huge.filter((r) => r.n === 10_000_000).map(perTask))}x | ${huge.filter((r) => r.n === 10_000_000).every((r) => perTask(r) <= 1.05) ? 'met' : 'not met'} |`);
    lines.push(`| huge fan-outs: tasks/s (W = ${HUGE_W}, B = ${HUGE_B}) at N = 1,000,000 and 10,000,000 at least 0.9x N = 100,000, statistics before and after the spawn | ${spanOf(big.map(rateRatio))}x | ${big.every((r) => rateRatio(r) >= 0.9) ? 'met' : 'not met'} |`);
    lines.push(`| W = 1, B = 100: 0.75x the floor | ${span(w1, ratio)}x | ${met(w1, ratio, 0.75)} |`);
  }
  lines.push('', `The shipped worker's answers rode on its polls (\`complete_tasks_and_poll\`): ${shipped.carried} of ${shipped.n}.`, '');
  if (rust.length > 0) {
    lines.push('## Workers', '', 'No-op handlers, two workers of batch 10 and concurrency 10 each (the dsl-ts defaults), against the raw driver (W = 2, B = 10):', '');
    lines.push('| N | Rust worker (`client/`) tasks/s | dsl-ts worker tasks/s | raw driver tasks/s | Rust / raw | dsl-ts / raw |', '|---:|---:|---:|---:|---:|---:|');
    for (const r of rust) lines.push(`| ${r.n} | ${Math.round(r.rust)} | ${Math.round(r.shipped)} | ${Math.round(r.raw)} | ${(r.rust / r.raw).toFixed(2)} | ${(r.shipped / r.raw).toFixed(2)} |`);
    lines.push('');
  }
  lines.push(...compareLines(queue.compared));
  lines.push('## The queue over hours', '', `${SOAK_RUNS} consecutive runs of ${SOAK_N} tasks on one database, finished runs kept, ` +
    'run by the shipped dsl-ts worker (two workers, batchSize 100, concurrency 100). Tasks/s per run:', '');
  lines.push(soaked.rates.map((r) => Math.round(r)).join(', '), '');
  const mib = (b) => (Number(b) / 2 ** 20).toFixed(0);
  lines.push(`First three runs ${Math.round(soaked.first)} tasks/s, last three ${Math.round(soaked.last)} (${(soaked.last / soaked.first).toFixed(2)}x). ` +
    `At the end: \`step_tasks\` ${mib(soaked.sizes.heap)} MiB for ${soaked.sizes.live} live rows (${soaked.sizes.dead} dead), primary key ${mib(soaked.sizes.pkey)} MiB, ` +
    `queue index ${mib(soaked.sizes.queued_idx)} MiB, lease index ${mib(soaked.sizes.leased_idx)} MiB; autovacuum visited the table ${soaked.sizes.autovacuums} times.`, '');
  lines.push(`The least-squares line through the ${SOAK_RUNS} runs: ${Math.round(soaked.fitFirst)} tasks/s at the first, ` +
    `${Math.round(soaked.fitLast)} at the last (${(soaked.fitLast / soaked.fitFirst).toFixed(2)}x). Blocks of \`step_tasks\` and its indexes ` +
    `read from outside shared buffers (${settings.find((x) => x.name === 'shared_buffers')?.setting} pages) per run: ` +
    `${Math.round(soaked.readsFirst)} in the first three, ${Math.round(soaked.readsLast)} in the last three.`, '');
}
if (huge) lines.push(...hugeLines(huge));
if (shapes) lines.push(...shapesLines(shapes));
if (watching) {
  lines.push('## Watching a fan-out', '');
  lines.push(`\`pgflow.progress\` on a run whose fan-out has N tasks, 50 of them running (200 calls after 20 to warm up):`, '');
  lines.push('| N | median ms | p99 ms |', '|---:|---:|---:|');
  for (const c of watching.cost) lines.push(`| ${c.n} | ${c.medianMs.toFixed(3)} | ${c.p99Ms.toFixed(3)} |`);
  lines.push('', `Throughput at N = ${WATCH_N}, W = 2, B = 100: ${Math.round(watching.without.rate)} tasks/s without a reader, ` +
    `${Math.round(watching.withReader.rate)} tasks/s with a reader calling \`progress\` every 200 ms ` +
    `(${watching.withReader.reads} calls; ratio ${(watching.withReader.rate / watching.without.rate).toFixed(2)}).`, '');
  lines.push('From the return of the `complete_task` call that ends a one-step run to a waiting client learning of it ' +
    '(a notification that arrives before that return counts as 0):', '');
  lines.push('| waiting with | median ms | p99 ms | samples |', '|---|---:|---:|---:|');
  const label = { listen: '`LISTEN pgflow` (dsl-ts `waitForRun`)', wait_for_run: '`pgflow.wait_for_run` (a blocked SQL call)', poll_50ms: 'polling `pgflow.runs` every 50 ms (dsl-ts 0.2.0)' };
  for (const w of watching.wake) lines.push(`| ${label[w.method]} | ${w.medianMs.toFixed(2)} | ${w.p99Ms.toFixed(2)} | ${w.samples} |`);
  lines.push('');
  lines.push('## Big claims', '', `One \`poll_for_tasks\` call on a fan-out of ${BIG_N} queued tasks:`, '');
  lines.push('| qty | claimed | ms | µs per task |', '|---:|---:|---:|---:|');
  for (const c of watching.claims) lines.push(`| ${c.qty} | ${c.claimed} | ${c.ms.toFixed(0)} | ${c.usPerTask.toFixed(2)} |`);
  const [small, big] = watching.claims;
  lines.push('', `Cost per task of the big claim against the small one: ${(big.usPerTask / small.usPerTask).toFixed(2)}x.`, '');
}
if (watching) {
  lines.push('## What bounds the targets not met', '',
    'Configurations of the targets run again (pgflow-rs and the floor), while another connection samples the workers\' ' +
    'backends every 5 ms in `pg_stat_activity`, from the start until the run\'s last task is answered: running; ' +
    'waiting for a lock another transaction holds (for pgflow-rs, the counter part or the row of the step being ' +
    'answered, which an answer locks until its commit); flushing WAL; other waits (for pgflow-rs, `Extension` is a ' +
    'worker asleep in `poll_for_tasks`, with nothing to claim while a transaction spawns the fan-out or aggregates ' +
    'it); idle (the driver\'s side of each round trip). Shares of the samples; tasks/s are lower than the grid\'s by ' +
    'the sampler\'s share of the two cores.', '');
  lines.push('| N | W | B | system | tasks/s | running | lock wait | WAL | other waits (commonest) | idle |', '|---:|---:|---:|---|---:|---:|---:|---:|---|---:|');
  for (const p of watching.profile) {
    const f = (k) => `${p.share[k].toFixed(1)}%`;
    lines.push(`| ${p.n} | ${p.w} | ${p.b} | ${p.system} | ${Math.round(p.rate)} | ${f('running')} | ${f('lock')} | ${f('wal')} | ${f('other')} (${p.commonest}) | ${f('idle')} |`);
  }
  lines.push('');
}
lines.push('## Where the time goes', '', 'pg_stat_statements over the whole run (top level and nested statements; a ' +
  'pgflow function\'s time includes the engine queries listed under it).', '');
lines.push('| calls | total ms | mean ms | statement |', '|---:|---:|---:|---|');
for (const t of top) lines.push(`| ${t.calls} | ${t.total_ms} | ${t.mean_ms} | \`${t.query.trim().replace(/\|/g, '\\|')}\` |`);
lines.push('');
// What was measured elsewhere (a machine with more cores, a profile by hand) lives below this
// marker; a run here cannot remeasure it, so it is carried over rather than lost.
const HAND_MARKER = '<!-- measured by hand: make bench keeps everything below this line -->';
let kept = '';
try {
  const previous = readFileSync(out, 'utf8');
  if (previous.includes(HAND_MARKER)) kept = previous.slice(previous.indexOf(HAND_MARKER));
} catch { /* no previous report */ }
writeFileSync(out, lines.join('\n') + '\n' + kept);
console.log(`wrote ${out}`);
if (failed) process.exit(1);
