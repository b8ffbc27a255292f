/**
 * Turns a flow definition into the extension's SQL: `create_flow`, then one `add_step` per step
 * in definition order, or into its shape (pgflow's FlowShape JSON, with this extension's options),
 * which `pgflow.ensure_flow_compiled` loads and `pgflow.compare_flow_shape` checks. Re-running the
 * SQL of an unchanged flow changes nothing; the extension refuses it, naming each difference, when
 * the stored flow differs.
 */
import type { AnyFlow, FanoutRuntimeOptions, FlowOptions, JsonPattern, StepCondition, StepFailureOptions } from './dsl.js';
import { toFlow, type AnyFlowDefinition } from './pgflow-compat.js';
import { DEFAULT_MAX_DELAY, FLOW_DEFAULTS } from './rules.generated.js';

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

type NumericOption = keyof FanoutRuntimeOptions | keyof Omit<FlowOptions, 'slug'> | 'batchSize';

/** The SQL argument of each numeric option, in the order the compiler writes them. */
const SQL_OPTION_NAMES: Record<NumericOption, string> = {
  maxAttempts: 'max_attempts',
  baseDelay: 'base_delay',
  timeout: 'timeout',
  startDelay: 'start_delay',
  runTimeout: 'run_timeout',
  fanoutTimeout: 'fanout_timeout',
  maxDelay: 'max_delay',
  maxConcurrency: 'max_concurrency',
  batchSize: 'batch_size',
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

function conditionOptions(condition: StepCondition): string[] {
  const named: string[] = [];
  if (condition.if !== undefined) named.push(`required_input_pattern => ${quoteLiteral(JSON.stringify(condition.if))}::jsonb`);
  if (condition.ifNot !== undefined) named.push(`forbidden_input_pattern => ${quoteLiteral(JSON.stringify(condition.ifNot))}::jsonb`);
  if (condition.whenUnmet !== undefined) named.push(`when_unmet => ${quoteLiteral(condition.whenUnmet)}`);
  return named;
}

/** The flows `flow` runs as sub-flows, each once, every one after the sub-flows it runs itself. */
export function subflowsOf(flow: AnyFlow): AnyFlow[] {
  const ordered: AnyFlow[] = [];
  const visit = (current: AnyFlow) => {
    for (const step of current.steps) {
      const child = step.subflow;
      if (child === undefined || ordered.some((known) => known.slug === child.slug)) continue;
      visit(child);
      ordered.push(child);
    }
  };
  visit(flow);
  return ordered;
}

/**
 * The SQL statements that define `flow`, one per array element, without trailing semicolons: the
 * flows it runs as sub-flows first (the extension refuses a sub-flow that does not exist yet). A
 * flow built with `@pgflow/dsl` compiles too.
 */
export function compileFlow(definition: AnyFlowDefinition): string[] {
  const flow = toFlow(definition);
  return [...subflowsOf(flow), flow].flatMap(compileOneFlow);
}

function compileOneFlow(flow: AnyFlow): string[] {
  const flowSlug = quoteLiteral(flow.slug);
  const statements = [`SELECT pgflow.create_flow(${[flowSlug, ...namedOptions(flow.options)].join(', ')})`];
  for (const step of flow.steps) {
    const args = [flowSlug, quoteLiteral(step.slug)];
    if (step.dependsOn.length > 0) {
      args.push(`deps_slugs => ARRAY[${step.dependsOn.map(quoteLiteral).join(', ')}]`);
    }
    args.push(...namedOptions(step.options));
    if (step.fanout) args.push(`step_type => 'fanout'`);
    if (step.fanoutPath !== undefined) args.push(`fanout_path => ${quoteLiteral(step.fanoutPath)}`);
    if (step.subflow !== undefined) args.push(`subflow => ${quoteLiteral(step.subflow.slug)}`);
    args.push(...failureOptions(step.failure));
    args.push(...conditionOptions(step.condition));
    statements.push(`SELECT pgflow.add_step(${args.join(', ')})`);
  }
  return statements;
}

/** `compileFlow` as one script, each statement ending with a semicolon and a newline. */
export function compileFlowScript(flow: AnyFlowDefinition): string {
  return compileFlow(flow).map((statement) => `${statement};\n`).join('');
}

/** A condition's pattern in a shape: absent, or its value. */
export type PatternShape = { readonly defined: false } | { readonly defined: true; readonly value: JsonPattern };

const patternShape = (pattern: JsonPattern | undefined): PatternShape =>
  pattern === undefined ? { defined: false } : { defined: true, value: pattern };

/** A step of a flow shape (see `flowShape`). */
export interface StepShape {
  readonly slug: string;
  readonly stepType: 'single' | 'map';
  readonly dependencies: readonly string[];
  readonly whenUnmet: string;
  readonly whenExhausted: string;
  readonly requiredInputPattern: PatternShape;
  readonly forbiddenInputPattern: PatternShape;
  readonly fanoutPolicy?: string;
  readonly successThreshold?: number;
  readonly fanoutPath?: string;
  readonly subflow?: string;
  readonly options?: Readonly<Record<string, number>>;
}

/** pgflow's FlowShape JSON of a flow, with this extension's options beside pgflow's. */
export interface FlowShape {
  readonly steps: readonly StepShape[];
  readonly options: Readonly<Record<string, number>>;
}

/**
 * The shape of a flow as `pgflow.flow_shape` gives it once the flow is stored: steps in definition
 * order with sorted dependencies, this extension's options only when they are set.
 */
export function flowShape(definition: AnyFlowDefinition): FlowShape {
  const flow = toFlow(definition);
  const options: Record<string, number> = { ...FLOW_DEFAULTS, ...flow.options };
  if (options['maxDelay'] === DEFAULT_MAX_DELAY) delete options['maxDelay'];
  const steps = flow.steps.map((step): StepShape => {
    const shape: { -readonly [K in keyof StepShape]: StepShape[K] } = {
      slug: step.slug,
      stepType: step.fanout ? 'map' : 'single',
      dependencies: [...step.dependsOn].sort(),
      whenUnmet: step.condition.whenUnmet ?? 'skip',
      whenExhausted: step.failure.whenExhausted ?? 'fail',
      requiredInputPattern: patternShape(step.condition.if),
      forbiddenInputPattern: patternShape(step.condition.ifNot),
    };
    if (step.failure.fanoutPolicy !== undefined && step.failure.fanoutPolicy !== 'fail_fast') {
      shape.fanoutPolicy = step.failure.fanoutPolicy;
    }
    if (step.failure.successThreshold !== undefined) shape.successThreshold = step.failure.successThreshold;
    if (step.fanoutPath !== undefined) shape.fanoutPath = step.fanoutPath;
    if (step.subflow !== undefined) shape.subflow = step.subflow.slug;
    if (Object.keys(step.options).length > 0) shape.options = { ...step.options };
    return shape;
  });
  return { steps, options };
}
