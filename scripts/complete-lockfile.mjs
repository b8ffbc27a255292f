// The npm registry this project installs from holds only some platforms' builds of packages that
// ship native binaries as optional dependencies (rollup's, for one). `npm install` then leaves the
// others out of package-lock.json, and `npm ci` refuses the lockfile as out of sync. This adds an
// entry, with the os, cpu and libc its name states, for each optional dependency the lockfile
// lacks: `npm ci` then sees a complete tree and skips those entries on this platform.
//
//   node scripts/complete-lockfile.mjs DIR   (after `npm install` in DIR)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const lockPath = join(process.argv[2] ?? '.', 'package-lock.json');
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const CPUS = ['arm64', 'arm', 'x64', 'ia32', 'loong64', 'ppc64', 'riscv64', 's390x'];
const OSES = ['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'openharmony', 'win32', 'netbsd', 'sunos', 'aix'];

function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = OSES.find((o) => parts.includes(o));
  const cpu = CPUS.find((c) => parts.includes(c));
  if (os === undefined || cpu === undefined) return undefined;
  const platform = { os: [os], cpu: [cpu] };
  if (parts.includes('musl') || parts.includes('musleabihf')) platform.libc = ['musl'];
  else if (os === 'linux') platform.libc = ['glibc'];
  return platform;
}

let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const depPath = `node_modules/${dep}`;
    if (lock.packages[depPath] !== undefined || lock.packages[`${path}/${depPath}`] !== undefined) continue;
    const platform = platformOf(dep);
    if (platform === undefined) throw new Error(`${dep} (optional dependency of ${path || 'the root'}) names no platform`);
    lock.packages[depPath] = { version, ...platform, dev: entry.dev ?? false, optional: true };
    added += 1;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`${lockPath}: added ${added} platform entries`);
