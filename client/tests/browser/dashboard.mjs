// The dashboard in a real browser (Debian's headless Chromium, driven by playwright-core), against
// the private cluster of scripts/test.sh (PG* variables; PGFLOW_TEST_DATABASE_URL for the command).
// While a 5,000-item fan-out runs, the page shows its bar advancing without a reload and its graph;
// a second run is cancelled with the page's button (and found cancelled in the database); a
// cross-origin action, a read-only dashboard's action and an action without the dashboard's token
// are refused; a non-loopback address without a token is refused; a run opens from its address,
// and the back button returns to the run before. Screenshots go to target/dashboard/.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { chromium } from 'playwright-core';

const BIN = process.env.PGFLOW_BIN;
const WORKER = process.env.PGFLOW_NOOP_WORKER;
const URL = process.env.PGFLOW_TEST_DATABASE_URL;
const SHOTS = process.env.PGFLOW_SCREENSHOTS;
for (const [name, value] of Object.entries({ PGFLOW_BIN: BIN, PGFLOW_NOOP_WORKER: WORKER, PGFLOW_TEST_DATABASE_URL: URL, PGFLOW_SCREENSHOTS: SHOTS })) {
  if (!value) throw new Error(`${name} is not set: run this through scripts/test.sh (make test T=client)`);
}
mkdirSync(SHOTS, { recursive: true });
const sql = (query) => execFileSync('psql', ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-d', 'rust_client', '-c', query], { encoding: 'utf8' }).trim();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let failures = 0;
const check = (ok, what) => { console.log(`${ok ? 'ok' : 'not ok'} - ${what}`); if (!ok) failures += 1; };

/** Starts `pgflow dashboard` and resolves with its address once it listens (the whole line: a
 * chunk of stderr may end inside the port). */
async function dashboard(args) {
  const child = spawn(BIN, ['dashboard', ...args], { env: { ...process.env, DATABASE_URL: URL }, stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  child.stderr.setEncoding('utf8');
  const address = await new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => { text += chunk; const m = text.match(/pgflow dashboard on (http:\/\/\S+)\n/); if (m) resolve(m[1]); });
    child.on('exit', (code) => reject(new Error(`the dashboard exited (${code}): ${text}`)));
  });
  return { child, address };
}

sql(`select pgflow.create_flow('dash', max_attempts => 1)`);
sql(`select pgflow.add_step('dash', 'each', step_type => 'fanout')`);
sql(`select pgflow.add_step('dash', 'total', array['each'])`);
sql(`select pgflow.create_flow('dash_idle')`);
sql(`select pgflow.add_step('dash_idle', 'wait')`);
const big = sql(`select run_id from pgflow.start_flow('dash', (select jsonb_agg(i) from generate_series(1, 5000) i))`);
const idle = sql(`select run_id from pgflow.start_flow('dash_idle', '{}')`);
const kept = sql(`select run_id from pgflow.start_flow('dash_idle', '{}')`);
// One worker of the big run, 10 handlers of 10 ms each: about 5 s of work.
const worker = spawn(WORKER, [URL, 'dash', 'each', '10', '10'], { env: { ...process.env, NOOP_DELAY_MS: '10' }, stdio: 'ignore' });
const totalWorker = spawn(WORKER, [URL, 'dash', 'total', '10', '10'], { stdio: 'ignore' });

const { child, address } = await dashboard(['--listen', '127.0.0.1:0']);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
  await page.goto(address);
  await page.waitForSelector(`tr.run[data-run="${big}"]`);
  const loadedAt = await page.evaluate(() => window.pageLoadedAt);
  await page.click(`tr.run[data-run="${big}"] td:nth-child(2)`);
  const bar = page.locator('.bar[data-step="each"]');
  await bar.waitFor();
  const completedInDb = () => Number(sql(`select completed_tasks from pgflow.step_states where run_id = '${big}' and step_slug = 'each'`));
  const first = Number(await bar.getAttribute('data-completed'));
  const firstInDb = completedInDb();
  await sleep(1500);
  const second = Number(await bar.getAttribute('data-completed'));
  const secondInDb = completedInDb();
  check(second > first && second < 5000,
    `the progress bar advanced while the fan-out ran (${first} -> ${second} of 5000; the database: ${firstInDb} -> ${secondInDb})`);
  check((await page.evaluate(() => window.pageLoadedAt)) === loadedAt, 'without a reload of the page');
  check(await page.locator('#graph g.node[data-step="each"]').count() === 1 && await page.locator('#graph line').count() === 1,
    'the run\'s graph shows its steps and their dependency');
  await page.screenshot({ path: `${SHOTS}/run.png`, fullPage: true });
  await page.waitForFunction(() => document.querySelector('.bar[data-step="each"]')?.dataset.completed === '5000', null, { timeout: 60_000 });
  check(true, 'the bar reached 5000 live');

  await page.click(`tr.run[data-run="${idle}"] td:nth-child(2)`);
  await page.waitForSelector('#run-cancel');
  page.once('dialog', (dialog) => dialog.accept());
  await page.click('#run-cancel');
  let status = '';
  for (let i = 0; i < 50 && status !== 'cancelled'; i++) { await sleep(100); status = sql(`select status from pgflow.runs where run_id = '${idle}'`); }
  check(status === 'cancelled', 'the Cancel button, confirmed, cancelled the run in the database');

  const forged = await fetch(`${address}/api/actions/cancel`, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: JSON.stringify({ run_ids: [kept] }),
  });
  check(forged.status === 403, `a cross-origin action is refused (${forged.status})`);
  const other = await browser.newPage();
  await other.goto('data:text/html,<p>elsewhere</p>');
  const fromPage = await other.evaluate(async (target) => {
    try { const r = await fetch(target, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"run_ids": []}' }); return r.status; }
    catch { return 'blocked'; }
  }, `${address}/api/actions/cancel`);
  check(sql(`select status from pgflow.runs where run_id = '${kept}'`) === 'started', `a page of another origin could not cancel anything (${fromPage})`);
  await page.screenshot({ path: `${SHOTS}/cancelled.png`, fullPage: true });

  // Runs have addresses: opened by address, and the back button returns to the run before.
  const linked = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await linked.goto(`${address}/#/runs/${big}`);
  await linked.waitForFunction((id) => document.querySelector('#run h2')?.textContent.includes(id), big);
  check(true, 'a run opens from its address');
  await linked.waitForSelector(`tr.run[data-run="${kept}"]`);
  await linked.click(`tr.run[data-run="${kept}"] td:nth-child(2)`);
  await linked.waitForFunction((id) => document.querySelector('#run h2')?.textContent.includes(id), kept);
  check(linked.url().endsWith(`#/runs/${kept}`), `opening another run gives it its address (${linked.url()})`);
  await linked.goBack();
  await linked.waitForFunction((id) => document.querySelector('#run h2')?.textContent.includes(id), big, { timeout: 10_000 });
  check(linked.url().endsWith(`#/runs/${big}`), 'the back button shows the run opened before, at its address');
  await linked.close();
} finally {
  child.kill();
  worker.kill('SIGTERM');
  totalWorker.kill('SIGTERM');
}

/** POSTs a cancel of `runIds` to a dashboard; resolves with the status and the refusal it gave. */
async function cancelThrough(address, runIds, headers = {}) {
  const response = await fetch(`${address}/api/actions/cancel`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ run_ids: runIds }),
  });
  const body = await response.json().catch(() => ({}));
  return `${response.status}${body.error ? ` ${body.error}` : ''}`;
}
/** Stops a dashboard and waits for it to be gone, so no later one can answer on its address. */
async function stop(dashboardChild) {
  if (dashboardChild.exitCode === null && dashboardChild.signalCode === null) {
    dashboardChild.kill();
    await once(dashboardChild, 'exit');
  }
}

// Both run at once, so each has an address of its own.
const readOnly = await dashboard(['--listen', '127.0.0.1:0', '--read-only']);
const guarded = await dashboard(['--listen', '127.0.0.1:0', '--token', 's3cret']);
try {
  const page = await browser.newPage();
  await page.goto(readOnly.address);
  await page.waitForSelector(`tr.run[data-run="${kept}"]`);
  await page.click(`tr.run[data-run="${kept}"] td:nth-child(2)`);
  await page.waitForSelector('#graph');
  const buttons = await page.locator('#run-cancel, #run-redrive, #bulk-cancel, #bulk-redrive').count();
  const refusal = await cancelThrough(readOnly.address, [kept]);
  check(buttons === 0 && refusal.startsWith('403 refused: this dashboard is read-only'),
    `--read-only hides the actions (${buttons} shown) and refuses them (${refusal})`);

  const without = await cancelThrough(guarded.address, [kept]);
  const wrong = await cancelThrough(guarded.address, [kept], { 'x-pgflow-token': 'guess' });
  check(without.startsWith('401 ') && wrong.startsWith('401 ') && sql(`select status from pgflow.runs where run_id = '${kept}'`) === 'started',
    `with --token, an action without it or with another is refused (${without}; ${wrong})`);
  const right = await cancelThrough(guarded.address, [kept], { 'x-pgflow-token': 's3cret' });
  check(right === '200' && sql(`select status from pgflow.runs where run_id = '${kept}'`) === 'cancelled',
    `and one carrying it is done (${right})`);
} finally {
  await stop(readOnly.child);
  await stop(guarded.child);
  await browser.close();
}
const exposed = spawn(BIN, ['dashboard', '--listen', '0.0.0.0:0'], { env: { ...process.env, DATABASE_URL: URL }, stdio: ['ignore', 'ignore', 'pipe'] });
let exposedText = '';
exposed.stderr.on('data', (chunk) => { exposedText += chunk; });
const [code] = await once(exposed, 'exit');
check(code === 2 && exposedText.includes('needs --token'), 'listening beyond loopback without --token is refused');
if (failures > 0) process.exit(1);
