#!/usr/bin/env node
/**
 * pgflow-compile <module> [--flow <slug>]
 *
 * Prints the SQL that defines the flows a JavaScript module exports (every export that is a flow,
 * of this package or of `@pgflow/dsl`, or only the one with the given slug).
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { realpathSync } from 'node:fs';

import { compileFlowScript } from './compile.js';
import { isFlow, type AnyFlow } from './dsl.js';
import { isPgflowFlow, toFlow } from './pgflow-compat.js';

const USAGE = 'usage: pgflow-compile <module> [--flow <slug>]';

export class CliError extends Error {
  override readonly name = 'CliError';
}

export function parseArgs(argv: readonly string[]): { module: string; flowSlug: string | undefined } {
  let module: string | undefined;
  let flowSlug: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--flow') {
      flowSlug = argv[i + 1];
      if (flowSlug === undefined) throw new CliError(`--flow needs a slug\n${USAGE}`);
      i += 1;
    } else if (arg.startsWith('-')) {
      throw new CliError(`unknown option ${arg}\n${USAGE}`);
    } else if (module === undefined) {
      module = arg;
    } else {
      throw new CliError(`one module at a time, got ${module} and ${arg}\n${USAGE}`);
    }
  }
  if (module === undefined) throw new CliError(USAGE);
  return { module, flowSlug };
}

/** The flows a module exports (of this package or of `@pgflow/dsl`), in export order, each once. */
export function exportedFlows(moduleExports: Record<string, unknown>): AnyFlow[] {
  const seen = new Set<unknown>();
  const flows: AnyFlow[] = [];
  for (const value of Object.values(moduleExports)) {
    if (seen.has(value) || !(isFlow(value) || isPgflowFlow(value))) continue;
    seen.add(value);
    flows.push(toFlow(value));
  }
  return flows;
}

export async function compileModule(modulePath: string, flowSlug: string | undefined, cwd = process.cwd()): Promise<string> {
  const moduleExports = (await import(pathToFileURL(resolve(cwd, modulePath)).href)) as Record<string, unknown>;
  const flows = exportedFlows(moduleExports);
  const chosen = flowSlug === undefined ? flows : flows.filter((flow) => flow.slug === flowSlug);
  if (chosen.length === 0) {
    throw new CliError(
      flowSlug === undefined
        ? `${modulePath} exports no flow`
        : `${modulePath} exports no flow '${flowSlug}' (it exports: ${flows.map((f) => f.slug).join(', ') || 'none'})`,
    );
  }
  return chosen.map(compileFlowScript).join('\n');
}

async function main(): Promise<void> {
  try {
    const { module, flowSlug } = parseArgs(process.argv.slice(2));
    process.stdout.write(await compileModule(module, flowSlug));
  } catch (error) {
    process.stderr.write(`pgflow-compile: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof CliError ? 2 : 1;
  }
}

// Run when executed (also through the symlink npm puts in node_modules/.bin), not when imported.
const invokedAs = process.argv[1];
if (invokedAs !== undefined && import.meta.url === pathToFileURL(realpathSync(invokedAs)).href) await main();
