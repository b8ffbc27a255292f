#!/usr/bin/env node
// The function part of an upgrade script, derived from the install scripts pgrx generates for two
// releases (cargo pgrx install writes $(pg_config --sharedir)/extension/pgflow--VERSION.sql):
//
//   node scripts/upgrade-functions.mjs OLD.sql NEW.sql
//
// prints, for each #[pg_extern] function, CREATE FUNCTION for one that is new, CREATE OR REPLACE
// for one whose definition changed (defaults, volatility, settings, symbol), DROP and CREATE for one
// whose result type changed (CREATE OR REPLACE cannot change it), and DROP for one that is gone.
// Paste its output into sql/pgflow--OLD--NEW.sql; the upgrade test's catalog comparison says
// whether the script, with its grants and settings, reproduces a fresh install.
import { readFileSync } from 'node:fs';

const [oldPath, newPath] = process.argv.slice(2);
if (!oldPath || !newPath) {
  console.error('usage: node scripts/upgrade-functions.mjs OLD.sql NEW.sql');
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
process.stdout.write(out.join('\n'));
