#!/usr/bin/env node
// The transition table of docs/architecture.md checked against src/engine/machine.rs (run by
// `make lint`). Each row names the handlers of machine.rs that make its change and the statements
// (sql/queries/<family>/*.sql) they run. Checked:
//  - every handler a row names is a function of the engine, every statement a query file;
//  - every statement a function of machine.rs runs is listed on a row that names the function or
//    one of its callers (so the table leaves out no statement the code runs);
//  - every statement a row lists is run by one of its handlers or a function they call (so the
//    table lists nothing the code no longer runs).
import { readFileSync, readdirSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const read = (path) => readFileSync(root + path, 'utf8');

// The registry (build.rs) names each statement plans::FILE_NAME after its file
// sql/queries/<family>/file_name.sql.
const queryFiles = new Set(readdirSync(root + 'sql/queries', { recursive: true })
  .filter((f) => f.endsWith('.sql')).map((f) => f.split('/').pop().slice(0, -4)));
const fileOf = new Map([...queryFiles].map((file) => [file.toUpperCase(), file]));

// Functions of machine.rs: name (methods as Type::name) -> { statements, calls }.
const machine = read('src/engine/machine.rs');
const functions = new Map();
{
  let impl = null;
  let current = null;
  for (const line of machine.split('\n')) {
    const implMatch = line.match(/^impl(?:<[^>]*>)? (\w+)/);
    if (implMatch) impl = implMatch[1];
    if (line === '}') impl = impl && current === null ? null : impl;
    const fnMatch = line.match(/^(\s*)(?:pub(?:\(crate\))? )?fn (\w+)/);
    if (fnMatch) {
      const name = fnMatch[1].length > 0 && impl ? `${impl}::${fnMatch[2]}` : fnMatch[2];
      if (fnMatch[1].length === 0) impl = null;
      current = { name, body: [] };
      functions.set(name, { statements: new Set(), calls: new Set(), body: current.body });
    }
    if (current) current.body.push(line);
  }
}
const bare = new Map([...functions.keys()].map((name) => [name.split('::').pop(), name]));
for (const [, f] of functions) {
  const body = f.body.join('\n').replace(/\/\/.*$/gm, '');
  // A statement named to read a column of its rows by position is not run there.
  for (const m of body.matchAll(/plans::([A-Z_]+)\b(?!, rows::)/g)) f.statements.add(fileOf.get(m[1]) ?? `?${m[1]}`);
  for (const m of body.matchAll(/(?:\.|\b)(\w+)\(/g)) {
    const callee = bare.get(m[1]);
    if (callee) f.calls.add(callee);
  }
}
for (const [name, f] of functions) f.calls.delete(name);

// The table.
const doc = read('docs/architecture.md');
const start = doc.indexOf('| event | from | to | `machine.rs` | statements |');
if (start < 0) throw new Error('docs/architecture.md has no transition table');
const rows = [];
for (const line of doc.slice(start).split('\n').slice(2)) {
  if (!line.startsWith('|')) break;
  const cells = line.split(/(?<!\\)\|/).slice(1, -1);
  if (cells.length !== 5) throw new Error(`a row of the transition table has ${cells.length} cells: ${line.slice(0, 80)}`);
  const names = (cell) => [...cell.matchAll(/`([A-Za-z_:]+)`/g)].map((m) => m[1]);
  rows.push({ event: cells[0].trim(), handlers: names(cells[3]), statements: names(cells[4]) });
}

const problems = [];
const engineSources = readdirSync(root + 'src/engine').map((f) => read('src/engine/' + f)).join('\n');
const reachable = (names) => {
  const seen = new Set();
  const stack = names.filter((n) => functions.has(n) || bare.has(n)).map((n) => (functions.has(n) ? n : bare.get(n)));
  while (stack.length > 0) {
    const name = stack.pop();
    if (seen.has(name)) continue;
    seen.add(name);
    for (const callee of functions.get(name).calls) stack.push(callee);
  }
  return seen;
};
for (const row of rows) {
  for (const handler of row.handlers) {
    const fn = handler.split('::').pop();
    if (!functions.has(handler) && !bare.has(handler) && !new RegExp(`fn ${fn}\\b`).test(engineSources)) {
      problems.push(`row "${row.event}": handler ${handler} is no function of the engine`);
    }
  }
  const run = new Set([...reachable(row.handlers)].flatMap((name) => [...functions.get(name).statements]));
  for (const statement of row.statements) {
    if (!queryFiles.has(statement)) problems.push(`row "${row.event}": ${statement} is no file of sql/queries/`);
    else if (!run.has(statement) && row.handlers.some((h) => functions.has(h) || bare.has(h))) {
      problems.push(`row "${row.event}": lists ${statement}, which none of its handlers (${row.handlers.join(', ')}) runs`);
    }
  }
}
for (const [name, f] of functions) {
  for (const statement of f.statements) {
    const callers = new Set([name]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [other, g] of functions) {
        if (!callers.has(other) && [...g.calls].some((c) => callers.has(c))) { callers.add(other); grew = true; }
      }
    }
    const listed = rows.some((row) => row.statements.includes(statement)
      && row.handlers.some((h) => callers.has(functions.has(h) ? h : bare.get(h))));
    if (!listed) problems.push(`${name} runs ${statement}, which no row naming ${name} or a caller of it lists`);
  }
}
if (problems.length > 0) {
  console.error(`docs/architecture.md's transition table disagrees with src/engine/machine.rs:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`ok - the transition table (${rows.length} rows) lists every statement machine.rs runs, and only those`);
