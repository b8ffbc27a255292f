/**
 * Turns a flow definition into the extension's SQL: `create_flow`, then one `add_step` per step
 * in definition order. Both calls are idempotent in the extension, so the script can be re-run.
 */
import type { AnyFlow, FlowOptions, StepFailureOptions, StepRuntimeOptions } from './dsl.js';

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

type NumericOption = keyof StepRuntimeOptions | keyof Omit<FlowOptions, 'slug'>;

/** The SQL argument of each numeric option, in the order the compiler writes them. */
const SQL_OPTION_NAMES: Record<NumericOption, string> = {
  maxAttempts: 'max_attempts',
  baseDelay: 'base_delay',
  timeout: 'timeout',
  startDelay: 'start_delay',
  runTimeout: 'run_timeout',
  fanoutTimeout: 'fanout_timeout',
  maxDelay: 'max_delay',
};

function namedOptions(options: Partial<Record<NumericOption, number>>): string[] {
  const named: string[] = [];
  for (const [name, sqlName] of Object.entries(SQL_OPTION_NAMES) as [NumericOption, string][]) {
    const value = options[name];
    if (value !== undefined) named.push(`${sqlName} => ${integer(value)}`);
  }
  return named;
}

/** A success threshold as a SQL numeric literal; the DSL checked it is in (0, 1]. */
function threshold(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`${value} is not a finite number`);
  return String(value);
}

function failureOptions(failure: StepFailureOptions): string[] {
  const named: string[] = [];
  if (failure.fanoutPolicy !== undefined) named.push(`fanout_policy => ${quoteLiteral(failure.fanoutPolicy)}`);
  if (failure.successThreshold !== undefined) named.push(`success_threshold => ${threshold(failure.successThreshold)}`);
  if (failure.whenExhausted !== undefined) named.push(`when_exhausted => ${quoteLiteral(failure.whenExhausted)}`);
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
    args.push(...failureOptions(step.failure));
    statements.push(`SELECT pgflow.add_step(${args.join(', ')})`);
  }
  return statements;
}

/** `compileFlow` as one script, each statement ending with a semicolon and a newline. */
export function compileFlowScript(flow: AnyFlow): string {
  return compileFlow(flow).map((statement) => `${statement};\n`).join('');
}
