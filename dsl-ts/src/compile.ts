/**
 * Turns a flow definition into the extension's SQL: `create_flow`, then one `add_step` per step
 * in definition order. Both calls are idempotent in the extension, so the script can be re-run.
 */
import type { AnyFlow, StepRuntimeOptions } from './dsl.js';

/**
 * A SQL string literal that stays one literal whatever the text holds and whatever
 * `standard_conforming_strings` says: quotes are doubled, and text with a backslash becomes an
 * escape string (E'...') with the backslash doubled too, as PostgreSQL's own quote_literal does.
 */
export function quoteLiteral(text: string): string {
  if (text.includes('\0')) throw new RangeError('a SQL literal cannot hold a NUL character');
  const quoted = text.replaceAll("'", "''");
  return text.includes('\\') ? `E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}

function integer(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not an integer`);
  return String(value);
}

const SQL_OPTION_NAMES: Record<keyof StepRuntimeOptions, string> = {
  maxAttempts: 'max_attempts',
  baseDelay: 'base_delay',
  timeout: 'timeout',
  startDelay: 'start_delay',
};

function namedOptions(options: StepRuntimeOptions): string[] {
  const named: string[] = [];
  for (const [name, sqlName] of Object.entries(SQL_OPTION_NAMES) as [keyof StepRuntimeOptions, string][]) {
    const value = options[name];
    if (value !== undefined) named.push(`${sqlName} => ${integer(value)}`);
  }
  return named;
}

/** The SQL statements that define `flow`, one per array element, without trailing semicolons. */
export function compileFlow(flow: AnyFlow): string[] {
  const flowSlug = quoteLiteral(flow.slug);
  const statements = [`SELECT pgflow.create_flow(${[flowSlug, ...namedOptions(flow.options)].join(', ')})`];
  for (const step of flow.steps) {
    const args = [flowSlug, quoteLiteral(step.slug)];
    if (step.dependsOn.length > 0) {
      args.push(`deps_slugs => ARRAY[${step.dependsOn.map(quoteLiteral).join(', ')}]`);
    }
    args.push(...namedOptions(step.options));
    if (step.fanout) args.push(`step_type => 'fanout'`);
    statements.push(`SELECT pgflow.add_step(${args.join(', ')})`);
  }
  return statements;
}

/** `compileFlow` as one script, each statement ending with a semicolon and a newline. */
export function compileFlowScript(flow: AnyFlow): string {
  return compileFlow(flow).map((statement) => `${statement};\n`).join('');
}
