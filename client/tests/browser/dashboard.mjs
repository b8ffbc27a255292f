// The dashboard in a real browser (Debian's headless Chromium, driven by playwright-core), against
// the private cluster of scripts/test.sh (PG* variables; PGFLOW_TEST_DATABASE_URL for the command).
// While a 5,000-item fan-out runs, the page shows its bar advancing without a reload and its graph;
// a second run is cancelled with the page's button (and found cancelled in the database); a
// cross-origin action, a read-only dashboard's action and an action without the dashboard's token
// are refused; a non-loopback address without a token is refused; a run opens from its address,
// and the back button returns to the run before. Big runs: a run of 10,000 child runs and 10,000
// failed items shows its children a page at a time with their counts and a filter by status, and
// its failures by kind; a run of 10,000 failed items of three kinds shows them grouped by error
// and each group's items a page at a time (the page's size, counted in DOM nodes, stays the same
// whatever the run's); an item opens at its address with its input, attempts and
// error; a run is found by its key; the timeline comes from the database; nothing is cut off at
// 1280 px or 420 px wide. Screenshots go to target/dashboard/ (readme.png is the README's).
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
const idle = sql(`select run_id from pgflow.start_flow('dash_idle', '{}', run_key => 'order-42')`);
// 10,000 child runs, no worker for them: 20 fail and 30 complete, the rest wait.
sql(`select pgflow.create_flow('dash_leaf', max_attempts => 1)`);
sql(`select pgflow.add_step('dash_leaf', 'work')`);
sql(`select pgflow.create_flow('dash_wide', max_attempts => 1)`);
sql(`select pgflow.add_step('dash_wide', 'each', step_type => 'fanout', subflow => 'dash_leaf', fanout_policy => 'collect_all')`);
sql(`select pgflow.add_step('dash_wide', 'check', step_type => 'fanout', fanout_policy => 'collect_all')`);
const wide = sql(`select run_id from pgflow.start_flow('dash_wide', (select jsonb_agg(i) from generate_series(0, 9999) i))`);
// The same run has 10,000 failed items too: every item of its step check fails.
sql(`select count(*) from (select pgflow.fail_tasks(array_agg(run_id), array_agg(step_slug), array_agg(task_index), array_agg('not valid'::text))
     from pgflow.poll_for_tasks('dash_wide', 30, 10000, 0)) f`);
sql(`with claimed as (select * from pgflow.poll_for_tasks('dash_leaf', 30, 50, 0))
     select count(*) from (select pgflow.fail_tasks(array_agg(run_id), array_agg(step_slug), array_agg(task_index), array_agg('leaf broke'::text))
                           from (select * from claimed order by run_id limit 20) f) a`);
sql(`select count(*) from (select pgflow.complete_tasks(array_agg(run_id), array_agg(step_slug), array_agg(task_index), array_agg('1'::jsonb))
     from pgflow.step_tasks where flow_slug = 'dash_leaf' and status = 'started') c`);
// 10,000 failed items of three kinds: 9,000 "upstream said 503", 900 "bad item", 100 a long error.
sql(`select pgflow.create_flow('dash_flaky', max_attempts => 1)`);
sql(`select pgflow.add_step('dash_flaky', 'items', step_type => 'fanout', fanout_policy => 'collect_all')`);
const flaky = sql(`select run_id from pgflow.start_flow('dash_flaky', (select jsonb_agg(jsonb_build_object('n', i, 'payload', repeat('x', case when i = 7 then 5000 else 40 end))) from generate_series(0, 9999) i))`);
const longError = `timeout after 30 s talking to ${'https://upstream.example/api/v2/items/'.repeat(6)}`;
sql(`select count(*) from (select pgflow.fail_tasks(array_agg(run_id), array_agg(step_slug), array_agg(task_index),
       array_agg(case when task_index % 100 = 7 then '${longError}' when task_index % 10 = 3 then 'bad item' else 'upstream said 503' end))
     from pgflow.poll_for_tasks('dash_flaky', 30, 10000, 0)) f`);
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

  // Big runs at 1280 px: a page of children and of failed items, the same size whatever the run.
  const wideView = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const nodes = () => wideView.evaluate(() => document.getElementsByTagName('*').length);
  const text = (selector) => wideView.locator(selector).first().textContent();
  await wideView.goto(`${address}/#/runs/${wide}`);
  await wideView.waitForSelector('#children tr.child');
  check(await wideView.locator('#children tr.child').count() === 50 && (await text('#children-count')) === '10,000',
    `a run of 10,000 child runs shows 50 of them and their number (${await text('#children-count')})`);
  check((await text('#children-range')) === '1–50 of 10,000', `with where the page is (${await text('#children-range')})`);
  await wideView.waitForSelector('.step-failures[data-step="check"] tr.group');
  const checkGroups = await wideView.locator('.step-failures[data-step="check"] tr.group td.num:first-child').allTextContents();
  check(JSON.stringify(checkGroups) === '["10,000"]', `and its 10,000 failed items as one group (${checkGroups.join(', ')})`);
  const wideNodes = await nodes();
  check(wideNodes < 2500, `the page holds ${wideNodes} elements, not one per child or failed item`);
  await wideView.click('#children-next');
  await wideView.waitForFunction(() => document.querySelector('#children-range')?.textContent.startsWith('51–100'));
  check((await text('#children tr.child td:nth-child(2)')) === 'each[50]', 'Next shows the next 50 children in task order');
  await wideView.click('button[data-child-status="failed"]');
  await wideView.waitForFunction(() => document.querySelector('#children-range')?.textContent === '1–20 of 20');
  const statuses = await wideView.locator('#children tr.child .status').allTextContents();
  check(statuses.length === 20 && statuses.every((s) => s === 'failed'), `the failed filter shows the 20 failed children (${statuses.length})`);
  check((await text('button[data-child-status="completed"]')) === 'completed 30', 'with a count per status');
  await noClipping(wideView, 'the run of 10,000 children at 1280 px');
  await wideView.screenshot({ path: `${SHOTS}/children-1280.png`, fullPage: true });
  await wideView.click('button[data-child-status=""]');
  await wideView.waitForFunction(() => document.querySelector('#children-range')?.textContent === '1–50 of 10,000');
  await wideView.evaluate(() => window.scrollTo(0, 0));
  await wideView.screenshot({ path: `${SHOTS}/readme.png` });

  await wideView.goto(`${address}/#/runs/${flaky}`);
  await wideView.waitForSelector('.groups tr.group');
  const groups = await wideView.locator('.groups tr.group td.num:first-child').allTextContents();
  check(JSON.stringify(groups) === JSON.stringify(['8,900', '1,000', '100']),
    `10,000 failed items show as 3 groups by error with their counts (${groups.join(', ')})`);
  const flakyNodes = await nodes();
  check(flakyNodes < 2500, `the page holds ${flakyNodes} elements, not one per failed item`);
  await wideView.click('[data-open-group="0:1"]');
  await wideView.waitForSelector('#failed-items tr.failed-item');
  const items = await wideView.locator('#failed-items tr.failed-item td:first-child').allTextContents();
  check(items.length === 50 && items[0] === '3' && items[1] === '13', `a group opens into its items, 50 at a time (${items.slice(0, 3).join(', ')}, …)`);
  await wideView.click('#items-next');
  await wideView.waitForFunction(() => document.querySelector('#failed-items tr.failed-item td')?.textContent === '503');
  check(true, 'and Next shows the group\'s next 50');
  await wideView.waitForSelector('#timeline .slice', { state: 'attached' });
  check(await wideView.locator('#timeline g.lane').count() >= 1, 'the timeline shows the steps from the database');
  await noClipping(wideView, 'the run of 10,000 failed items at 1280 px');
  await wideView.screenshot({ path: `${SHOTS}/failures-1280.png`, fullPage: true });

  // An item, from its address; the back button returns to the run.
  await wideView.click('.groups tr.group:nth-child(4) td:nth-child(3) a');
  await wideView.waitForSelector('#item:not([hidden]) #item-input');
  check(/#\/runs\/[0-9a-f-]+\/steps\/items\/items\/7$/.test(wideView.url()), `an item has its address (${wideView.url()})`);
  const input = await text('#item-input');
  const attempts = await wideView.locator('#attempts tr').count();
  check(input.length < 2000 && (await wideView.getAttribute('#item-input', 'data-full')) === 'no' && attempts === 2 &&
    (await text('#item-error')) === longError, 'the item shows its input folded, its failed attempt and its whole error');
  await wideView.click('[data-show-all="item-input"]');
  const whole = await text('#item-input');
  check(JSON.parse(whole).item.n === 7 && JSON.parse(whole).item.payload.length === 5000, `and all of its input on demand (${whole.length} characters)`);
  await noClipping(wideView, 'an item at 1280 px');
  await wideView.screenshot({ path: `${SHOTS}/item-1280.png`, fullPage: true });
  await wideView.goBack();
  await wideView.waitForFunction(() => document.getElementById('item').hidden);
  check(wideView.url().endsWith(`#/runs/${flaky}`), 'the back button closes the item');

  // Found by its id, and by its run key.
  await wideView.fill('#search-text', wide);
  await wideView.press('#search-text', 'Enter');
  await wideView.waitForSelector(`#search-results a[data-found="${wide}"]`);
  check(true, 'a run is found by its id');
  await wideView.fill('#search-text', 'order-42');
  await wideView.press('#search-text', 'Enter');
  await wideView.click(`#search-results a[data-found="${idle}"]`);
  await wideView.waitForFunction((id) => document.querySelector('#run h2')?.textContent.includes(id), idle);
  check(true, 'a run is found by its key and opens');

  // The run page at 1280 px (the README's screenshot), then everything at 420 px.
  await wideView.goto(`${address}/#/runs/${big}`);
  await wideView.waitForSelector('#timeline .slice', { state: 'attached' });
  await noClipping(wideView, 'a finished fan-out at 1280 px');
  await wideView.screenshot({ path: `${SHOTS}/run-1280.png` });
  await wideView.close();
  const narrow = await browser.newPage({ viewport: { width: 420, height: 900 } });
  for (const [name, path, ready] of [['run', `#/runs/${big}`, '#timeline g.lane'], ['children', `#/runs/${wide}`, '#children tr.child'],
                                     ['failures', `#/runs/${flaky}`, '.groups tr.group'], ['item', `#/runs/${flaky}/steps/items/items/7`, '#item-input']]) {
    await narrow.goto(`${address}/${path}`);
    await narrow.waitForSelector(ready);
    await noClipping(narrow, `${name} at 420 px`);
    await narrow.screenshot({ path: `${SHOTS}/${name}-420.png`, fullPage: true });
  }
  await narrow.close();
} finally {
  child.kill();
  worker.kill('SIGTERM');
  totalWorker.kill('SIGTERM');
}

/** Checks that nothing on the page is cut off: the page is no wider than the window, and no
 * section, table or block in it is wider than the room it has (scrolling boxes of JSON aside). */
async function noClipping(page, what) {
  const clipped = await page.evaluate(() => {
    const found = [];
    if (document.documentElement.scrollWidth > window.innerWidth) found.push(`the page (${document.documentElement.scrollWidth} px)`);
    for (const el of document.querySelectorAll('header, main, section, table, svg, div, dl')) {
      if (el.closest('[hidden]') || el.closest('pre')) continue;
      const box = el.getBoundingClientRect(), parent = el.parentElement.getBoundingClientRect();
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') found.push(`${el.tagName.toLowerCase()}#${el.id} scrolls`);
      if (box.right > parent.right + 1 && el.parentElement !== document.body) found.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className?.baseVal ?? el.className} overflows by ${Math.round(box.right - parent.right)} px`);
    }
    return found.slice(0, 5);
  });
  check(clipped.length === 0, `nothing is cut off: ${what}${clipped.length ? ` (${clipped.join('; ')})` : ''}`);
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
