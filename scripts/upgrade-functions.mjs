#!/usr/bin/env node
// The function part of an upgrade script, derived from the install scripts pgrx generates for two
// releases (cargo pgrx install writes $(pg_config --sharedir)/extension/pgflow--VERSION.sql):
//
//   node scripts/upgrade-functions.mjs OLD.sql NEW.sql
//
// prints, for each #[pg_extern] function, CREATE FUNCTION for one that is new, CREATE OR REPLACE
// for one whose definition changed (defaults, volatility, settings, symbol), DROP and CREATE for one
// whose result type changed (CREATE OR REPLACE cannot change it), and DROP for one that is gone;
// then, if any changed, the privileges and planner settings of sql/finalize.sql, derived from it.
// `--check-tail UPGRADE.sql` checks that an upgrade script ends with that tail (make lint, for the
// script into the current version).
// Paste its output into sql/pgflow--OLD--NEW.sql; the upgrade test's catalog comparison says
// whether the script, with its grants and settings, reproduces a fresh install.
import { readFileSync } from 'node:fs';

// The privileges and planner settings every function gets (sql/finalize.sql's rule over the
// catalog), as an upgrade script that adds functions ends: the settings reset first, so that each
// function lists them in a fresh install's order.
function settingsTail() {
  const finalize = readFileSync(new URL('../sql/finalize.sql', import.meta.url), 'utf8');
  const block = finalize.match(/do \$\$\n(?:(?!\$\$;)[\s\S])*?plan_cache_mode[\s\S]*?\n\$\$;/)?.[0];
  if (!block) throw new Error('sql/finalize.sql has no planner-settings block');
  const sets = [...block.matchAll(/^( +)execute format\('alter function %s set (\w+) = [^']+', f\);$/gm)];
  const resets = sets.map(([, indent, name]) => `${indent}execute format('alter function %s reset ${name}', f);`);
  const firstSet = block.indexOf(sets[0][0]);
  return [
    '-- Privileges and planner settings of the new functions, as finalize.sql gives them.',
    'revoke all on all functions in schema pgflow from public;',
    'grant execute on all functions in schema pgflow to pgflow_admin;',
    block.slice(0, firstSet) + resets.join('\n') + '\n' + block.slice(firstSet),
  ].join('\n');
}

const args = process.argv.slice(2);
if (args[0] === '--check-tail') {
  // An upgrade script that adds functions ends with the tail derived from finalize.sql.
  const script = readFileSync(args[1], 'utf8');
  if (!/CREATE (OR REPLACE )?FUNCTION/i.test(script)) {
    console.log(`ok - ${args[1]} adds or changes no function`);
    process.exit(0);
  }
  if (!script.trimEnd().endsWith(settingsTail())) {
    console.error(`${args[1]} does not end with the privileges and settings of finalize.sql:\n${settingsTail()}`);
    process.exit(1);
  }
  console.log(`ok - ${args[1]} ends with finalize.sql's privileges and settings`);
  process.exit(0);
}
const [oldPath, newPath] = args;
if (!oldPath || !newPath) {
  console.error('usage: node scripts/upgrade-functions.mjs OLD.sql NEW.sql | --check-tail UPGRADE.sql');
  process.exit(2);
}

/** name(argument types) -> { text, name, args, returns } for each C function of a script. */
function functions(path) {
  const sql = readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const found = new Map();
  for (const match of sql.matchAll(/CREATE\s+FUNCTION\s+"([^"]+)"\(([\s\S]*?)\)\s+RETURNS\s+([\s\S]*?)\n([\s\S]*?AS 'MODULE_PATHNAME', '[^']+';)/g)) {
    const [, name, argList, returns] = match;
    const args = argList.split('\n').map((line) => line.trim().replace(/,$/, '')).filter(Boolean);
    const types = args.map((arg) => arg.replace(/^"[^"]+"\s+/, '').replace(/\s+DEFAULT\s+.*$/i, ''));
    const text = match[0].split('\n').map((line) => line.replace(/\s+$/, '')).filter(Boolean).join('\n')
      .replace(/^CREATE\s+FUNCTION/, 'CREATE FUNCTION');
    found.set(`${name}(${types.join(', ')})`, { text, name, types, returns: returns.trim() });
  }
  return found;
}

const before = functions(oldPath);
const after = functions(newPath);
const out = [];
for (const [key, f] of after) {
  const old = before.get(key);
  if (!old) out.push(`-- new: ${key}`, f.text, '');
  else if (old.text !== f.text) {
    if (old.returns !== f.returns) out.push(`-- result changed: ${key}`, `DROP FUNCTION "${f.name}"(${f.types.join(', ')});`, f.text, '');
    else out.push(`-- changed: ${key}`, f.text.replace(/^CREATE FUNCTION/, 'CREATE OR REPLACE FUNCTION'), '');
  }
}
for (const [key, f] of before) {
  if (!after.has(key)) out.push(`-- gone: ${key}`, `DROP FUNCTION "${f.name}"(${f.types.join(', ')});`, '');
}
if (out.length > 0) out.push(settingsTail());
process.stdout.write(out.join('\n') + '\n');
