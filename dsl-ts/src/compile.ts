/**
 * Turns a flow definition into its shape (pgflow's FlowShape JSON, with this extension's options),
 * the one value a definition travels as: `pgflow.ensure_flow_compiled` loads it and
 * `pgflow.compare_flow_shape` checks it, and the SQL of `compileFlow` (`create_flow`, then one
 * `add_step` per step in definition order, as pgflow's compiler writes) is written from it.
 * Re-running the SQL of an unchanged flow changes nothing; the extension refuses it, naming each
 * difference, when the stored flow differs.
 */
import type { AnyFlow, JsonPattern } from './dsl.js';
import { toFlow, type AnyFlowDefinition } from './pgflow-compat.js';
import { DEFAULT_MAX_DELAY, FLOW_DEFAULTS, STEP_DEFAULTS } from './rules.generated.js';

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

/** A shape's option as create_flow's and add_step's named argument: the same name in snake case. */
const sqlName = (option: string) => option.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** The named arguments of a shape's options, leaving out those equal to `defaults`. */
function namedOptions(options: Readonly<Record<string, number>>, defaults: Readonly<Record<string, number>> = {}): string[] {
  return Object.entries(options)
    .filter(([name, value]) => defaults[name] !== value)
    .map(([name, value]) => `${sqlName(name)} => ${integer(value)}`);
}

/** A success threshold as a SQL numeric literal; the DSL checked it is in (0, 1]. */
function threshold(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`${value} is not a finite number`);
  return String(value);
}

const pattern = (value: JsonPattern) => `${quoteLiteral(JSON.stringify(value))}::jsonb`;

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
  return [...subflowsOf(flow), flow].flatMap((each) => compileShape(each.slug, flowShape(each)));
}

/** The SQL that stores a flow of this shape under `slug`: create_flow, then add_step per step. */
export function compileShape(slug: string, shape: FlowShape): string[] {
  const flowSlug = quoteLiteral(slug);
  const statements = [`SELECT pgflow.create_flow(${[flowSlug, ...namedOptions(shape.options, FLOW_DEFAULTS)].join(', ')})`];
  for (const step of shape.steps) {
    const args = [flowSlug, quoteLiteral(step.slug)];
    if (step.dependencies.length > 0) args.push(`deps_slugs => ARRAY[${step.dependencies.map(quoteLiteral).join(', ')}]`);
    args.push(...namedOptions(step.options ?? {}));
    if (step.stepType === 'map') args.push(`step_type => 'fanout'`);
    if (step.fanoutPath !== undefined) args.push(`fanout_path => ${quoteLiteral(step.fanoutPath)}`);
    if (step.subflow !== undefined) args.push(`subflow => ${quoteLiteral(step.subflow)}`);
    if (step.fanoutPolicy !== undefined) args.push(`fanout_policy => ${quoteLiteral(step.fanoutPolicy)}`);
    if (step.successThreshold !== undefined) args.push(`success_threshold => ${threshold(step.successThreshold)}`);
    if (step.whenExhausted !== STEP_DEFAULTS.whenExhausted) args.push(`when_exhausted => ${quoteLiteral(step.whenExhausted)}`);
    if (step.requiredInputPattern.defined) args.push(`required_input_pattern => ${pattern(step.requiredInputPattern.value)}`);
    if (step.forbiddenInputPattern.defined) args.push(`forbidden_input_pattern => ${pattern(step.forbiddenInputPattern.value)}`);
    if (step.whenUnmet !== STEP_DEFAULTS.whenUnmet) args.push(`when_unmet => ${quoteLiteral(step.whenUnmet)}`);
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
      whenUnmet: step.condition.whenUnmet ?? STEP_DEFAULTS.whenUnmet,
      whenExhausted: step.failure.whenExhausted ?? STEP_DEFAULTS.whenExhausted,
      requiredInputPattern: patternShape(step.condition.if),
      forbiddenInputPattern: patternShape(step.condition.ifNot),
    };
    if (step.failure.fanoutPolicy !== undefined && step.failure.fanoutPolicy !== STEP_DEFAULTS.fanoutPolicy) {
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
