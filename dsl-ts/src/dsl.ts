/**
 * Typed flow definitions. A `Flow` is immutable: every `.step()` returns a new flow whose type
 * records the new step's output, so later steps see their dependencies' outputs typed, and
 * mistakes in the graph (unknown or duplicate slugs, a fan-out over a non-array) fail to compile.
 * The same rules are checked at run time for JavaScript callers, with the engine's own data
 * (`rules.generated.ts`, written from the extension's Rust and checked against it by a test).
 */

import { FANOUT_POLICIES, OPTION_MINIMUMS, SLUG_MAX_LENGTH, SLUG_RESERVED, WHEN_EXHAUSTED, WHEN_UNMET } from './rules.generated.js';

/** What a task handler learns besides its input. */
export interface TaskContext {
  readonly flowSlug: string;
  readonly runId: string;
  readonly stepSlug: string;
  readonly taskIndex: number;
  /**
   * Aborted when the worker stops and gives up waiting for this task, and when the task's lease
   * ends or is lost (a `LeaseLostError`): another worker may then be running it.
   */
  readonly signal: AbortSignal;
  /**
   * The run input, for a single step's task (it is also its input's `run`); undefined for a
   * fan-out task, whose run input may be the whole array it fans out.
   */
  readonly flowInput?: unknown;
  /** For a task of a `batch` step, the index of its first item in the fan-out. */
  readonly firstIndex?: number;
}

export interface FlowOptions {
  readonly slug: string;
  readonly maxAttempts?: number;
  readonly baseDelay?: number;
  /** Seconds a task is leased for (each claim), unless its step says otherwise. */
  readonly timeout?: number;
  /** Seconds after its start by which a run must finish, else it fails. */
  readonly runTimeout?: number;
  /** The longest retry delay in seconds (the extension's default: 300). */
  readonly maxDelay?: number;
  /** At most this many tasks of the flow leased at a time, across all its runs. */
  readonly maxConcurrency?: number;
}

/** Options a step may set; left out, they inherit the flow's. */
export interface StepRuntimeOptions {
  readonly maxAttempts?: number;
  readonly baseDelay?: number;
  readonly timeout?: number;
  readonly startDelay?: number;
  /** Seconds after the step started by which its tasks must have ended (see the extension). */
  readonly fanoutTimeout?: number;
  readonly maxDelay?: number;
}

/** Options of a fan-out step besides those of any step. */
export interface FanoutRuntimeOptions extends StepRuntimeOptions {
  /** At most this many of the step's tasks of one run queued or leased at a time. */
  readonly maxConcurrency?: number;
}

/**
 * What a fan-out does when some of its tasks run out of attempts: `fail_fast` (the default) fails
 * the step at the first; `collect_all` lets every task end and outputs one `ItemResult` per item;
 * `threshold` does too, but fails the step once more than `floor(N * (1 - successThreshold))`
 * tasks have failed.
 */
export type FanoutPolicy = 'fail_fast' | 'collect_all' | 'threshold';

/** What a failed step does to its run: fail it, skip the step, or skip it and its dependents. */
export type WhenExhausted = 'fail' | 'skip' | 'skip-cascade';

/** What a step whose input does not meet its condition does: the same three choices. */
export type WhenUnmet = 'skip' | 'skip-cascade' | 'fail';

/** A JSON object a step's input is matched against (`@>`: the input contains it). */
export type JsonPattern = { readonly [key: string]: unknown };

/** A value that `@>` can find in a `T`: any part of it, arrays by some of their elements. */
type ContainmentPattern<T> = T extends readonly (infer E)[]
  ? readonly ContainmentPattern<E>[]
  : T extends object
    ? { readonly [K in keyof T]?: ContainmentPattern<T[K]> }
    : T;

/**
 * What a step's condition may say, as pgflow matches it: a root step's is matched against the run
 * input, a dependent step's against its dependencies' outputs by slug (`{ [dep]: output }`).
 */
type ConditionPattern<Input, Steps, Deps> = [Deps] extends [never]
  ? Input extends readonly unknown[] ? never : ContainmentPattern<Input> // @> of an object never finds it in an array
  : ContainmentPattern<{ [K in Deps & keyof Steps]: Steps[K] }>;

/**
 * A condition (a fan-out checks it once): the step runs only if what it is matched against (see
 * `ConditionPattern`) contains `if` and does not contain `ifNot`; otherwise `whenUnmet` (default
 * `skip`) decides. A step that may be skipped so is optional downstream.
 */
type ConditionOptions<If, IfNot, Unmet extends WhenUnmet> = {
  readonly if?: If;
  readonly ifNot?: IfNot;
  readonly whenUnmet?: Unmet;
};

/** One item of a `collect_all` or `threshold` fan-out's output. */
export type ItemResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string; readonly attempts: number };

/** The values of the items that succeeded, in item order. */
export function values<T>(results: readonly ItemResult<T>[]): T[] {
  const out: T[] = [];
  for (const result of results) if (result.ok) out.push(result.value);
  return out;
}

/** The failure of one item, with its index in the fan-out. */
export interface ItemFailure {
  readonly index: number;
  readonly error: string;
  readonly attempts: number;
}

/** The values of the items that succeeded and the failures, each in item order. */
export function partition<T>(results: readonly ItemResult<T>[]): { values: T[]; failures: ItemFailure[] } {
  const split: { values: T[]; failures: ItemFailure[] } = { values: [], failures: [] };
  results.forEach((result, index) => {
    if (result.ok) split.values.push(result.value);
    else split.failures.push({ index, error: result.error, attempts: result.attempts });
  });
  return split;
}

/** True when no item failed; the array is then known to hold only successes. */
export function allSucceeded<T>(
  results: readonly ItemResult<T>[],
): results is readonly Extract<ItemResult<T>, { ok: true }>[] {
  return results.every((result) => result.ok);
}

/** The failure options of a fan-out step. `successThreshold` comes with the `threshold` policy only. */
type FanoutFailureOptions<Policy extends FanoutPolicy, Exhausted extends WhenExhausted> = {
  readonly fanoutPolicy?: Policy;
  readonly whenExhausted?: Exhausted;
} & (Policy extends 'threshold' ? { readonly successThreshold: number } : { readonly successThreshold?: never });

/** A single step has one task: only `whenExhausted` applies to it. */
interface SingleFailureOptions<Exhausted extends WhenExhausted> {
  readonly fanoutPolicy?: 'fail_fast';
  readonly successThreshold?: never;
  readonly whenExhausted?: Exhausted;
}

export type StepHandler = (input: never, context: TaskContext) => unknown;

/** A step's condition, as the compiler sees it (see `ConditionOptions`). */
export interface StepCondition {
  readonly if?: JsonPattern;
  readonly ifNot?: JsonPattern;
  readonly whenUnmet?: WhenUnmet;
}

/** What a step does when its tasks fail, as the compiler sees it. */
export interface StepFailureOptions {
  readonly fanoutPolicy?: FanoutPolicy;
  readonly successThreshold?: number;
  readonly whenExhausted?: WhenExhausted;
}

/** A step as the compiler and the worker see it, without its types. */
export interface StepDefinition {
  readonly slug: string;
  readonly dependsOn: readonly string[];
  readonly fanout: boolean;
  readonly options: FanoutRuntimeOptions & { readonly batchSize?: number };
  readonly failure: StepFailureOptions;
  readonly condition: StepCondition;
  /** A fan-out over the field at this dotted path of its source instead of the source itself. */
  readonly fanoutPath?: string;
  /** A fan-out whose items are runs of this flow (`subflow`): no handler of this worker runs them. */
  readonly subflow?: AnyFlow;
  /** Called with the task's payload: `{ run, ...deps }` for a single step, `{ item }` for a fan-out task. */
  readonly handler: (input: unknown, context: TaskContext) => unknown;
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type StepOutputs = Record<string, unknown>;
type ElementOf<T> = T extends readonly (infer E)[] ? E : never;

/** A slug not yet used in the flow; a duplicate becomes `never`, so the call does not compile. */
type FreshSlug<Slug extends string, Steps> = Slug extends keyof Steps ? never : Slug;

/** Dotted paths into `T` that lead to arrays ('items', 'page.rows'), four levels deep at most. */
export type ArrayPaths<T, Depth extends readonly unknown[] = []> = Depth['length'] extends 4
  ? never
  : T extends readonly unknown[]
    ? never
    : T extends object
      ? {
          [K in keyof T & string]:
            | (NonNullable<T[K]> extends readonly unknown[] ? K : never)
            | `${K}.${ArrayPaths<NonNullable<T[K]>, [...Depth, unknown]>}`;
        }[keyof T & string]
      : never;

/** The type at a dotted path of `T`. */
export type AtPath<T, P extends string> = P extends `${infer Head}.${infer Rest}`
  ? Head extends keyof T
    ? AtPath<NonNullable<T[Head]>, Rest>
    : never
  : P extends keyof T
    ? NonNullable<T[P]>
    : never;

/** The steps whose output is an array: the only ones a fan-out may depend on. */
type ArrayStepSlugs<Steps> = {
  [K in keyof Steps & string]: Steps[K] extends readonly unknown[] ? K : never;
}[keyof Steps & string];

/** Present only to make a sub-flow over items that are not its input a type error that says why. */
type RequireChildInput<Item, ChildInput> = [Item] extends [ChildInput]
  ? unknown
  : { readonly 'the items must be inputs of the sub-flow': never };

/** Present only to make a root fan-out over a non-array flow input a type error that says why. */
type RequireArrayInput<Input> = Input extends readonly unknown[]
  ? unknown
  : { readonly 'a root fan-out needs the flow input to be an array': never };

type WithStep<Steps, Slug extends string, Output> = Simplify<Steps & { [K in Slug]: Output }>;

/** A skipped dependency is left out of its dependents' input, so it is optional there. */
type SingleInput<Input, Steps, Deps extends keyof Steps, Skippable extends string> = Simplify<
  { run: Input } & { [K in Exclude<Deps, Skippable>]: Steps[K] } & { [K in Extract<Deps, Skippable>]?: Steps[K] }
>;

/** A fan-out's output: its tasks' outputs in order, or one `ItemResult` each under a tolerant policy. */
type FanoutOutput<Output, Policy extends FanoutPolicy> = Policy extends 'collect_all' | 'threshold'
  ? ItemResult<Awaited<Output>>[]
  : Awaited<Output>[];

/**
 * The step's slug if it may be skipped rather than fail its run: its failure skips it
 * (`whenExhausted`), or it has a condition whose failure does (`whenUnmet`, default skip).
 */
type SkippedBy<Slug extends string, Exhausted extends WhenExhausted, If, IfNot, Unmet extends WhenUnmet> =
  | (Exhausted extends 'skip' | 'skip-cascade' ? Slug : never)
  | ([If | IfNot] extends [never] ? never : Unmet extends 'fail' ? never : Slug);

const FLOW_BRAND = Symbol.for('pgflow-rs.flow');

/** The slug rule of the extension: `^[a-zA-Z_][a-zA-Z0-9_]*$`, at most 128 characters, not `run`. */
export function slugProblem(slug: unknown): string | undefined {
  if (typeof slug !== 'string') return 'it must be a string';
  if (slug.length === 0) return 'it is empty';
  if (!/^[a-zA-Z_]/.test(slug)) return 'it must start with a letter or an underscore';
  if (!/^[a-zA-Z0-9_]*$/.test(slug)) return 'it may contain only letters, digits and underscores';
  if (slug.length > SLUG_MAX_LENGTH) return `it is longer than ${SLUG_MAX_LENGTH} characters`;
  if (SLUG_RESERVED.includes(slug)) return `'${slug}' is reserved for the run input`;
  return undefined;
}

/** Refusals of definitions, the counterpart of the extension's SQLSTATE 22023 and 42704 errors. */
export class FlowDefinitionError extends Error {
  override readonly name = 'FlowDefinitionError';
}

function checkSlug(what: string, slug: unknown): asserts slug is string {
  const problem = slugProblem(slug);
  if (problem !== undefined) {
    throw new FlowDefinitionError(`invalid ${what} slug ${JSON.stringify(slug)}: ${problem}`);
  }
}

function checkOptions(subject: string, options: Record<string, unknown>, allowed: readonly (keyof typeof OPTION_MINIMUMS)[]): void {
  for (const name of allowed) {
    const value = options[name];
    if (value === undefined) continue;
    const minimum = OPTION_MINIMUMS[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value > 2_147_483_647) {
      throw new FlowDefinitionError(`${subject}: ${name} must be an integer, got ${String(value)}`);
    }
    if (value < minimum) {
      throw new FlowDefinitionError(`${subject}: ${name} must be at least ${minimum}, got ${value}`);
    }
  }
}

function pickOptions<K extends string>(source: Record<string, unknown>, names: readonly K[]): { [P in K]?: number } {
  const picked: { [P in K]?: number } = {};
  for (const name of names) {
    const value = source[name];
    if (typeof value === 'number') picked[name] = value;
  }
  return picked;
}

const STEP_OPTION_NAMES = [
  'maxAttempts', 'baseDelay', 'timeout', 'startDelay', 'fanoutTimeout', 'maxDelay', 'maxConcurrency', 'batchSize',
] as const;
const FANOUT_OPTION_NAMES = ['maxConcurrency', 'batchSize'] as const;
const FLOW_OPTION_NAMES = ['maxAttempts', 'baseDelay', 'timeout', 'runTimeout', 'maxDelay', 'maxConcurrency'] as const;

/** Words as the extension lists them in a refusal: 'a', 'b' or 'c'. */
const oneOf = (words: readonly string[]) => {
  const quoted = words.map((word) => `'${word}'`);
  return quoted.length < 2 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
};

/** The rules of the extension's add_step for failure options, with the same words. */
function checkFailureOptions(subject: string, options: StepFailureOptions, fanout: boolean): StepFailureOptions {
  const { fanoutPolicy, successThreshold, whenExhausted } = options;
  if (fanoutPolicy !== undefined && !FANOUT_POLICIES.includes(fanoutPolicy)) {
    throw new FlowDefinitionError(`${subject}: unknown fanoutPolicy ${JSON.stringify(fanoutPolicy)} (expected ${oneOf(FANOUT_POLICIES)})`);
  }
  if (!fanout && fanoutPolicy !== undefined && fanoutPolicy !== 'fail_fast') {
    throw new FlowDefinitionError(`${subject}: fanoutPolicy '${fanoutPolicy}' needs a fan-out step; a single step has one task`);
  }
  if (fanoutPolicy === 'threshold') {
    if (successThreshold === undefined) {
      throw new FlowDefinitionError(`${subject}: fanoutPolicy 'threshold' needs a successThreshold in (0, 1]`);
    }
    if (typeof successThreshold !== 'number' || !(successThreshold > 0 && successThreshold <= 1)) {
      throw new FlowDefinitionError(`${subject}: successThreshold must be in (0, 1], got ${String(successThreshold)}`);
    }
  } else if (successThreshold !== undefined) {
    throw new FlowDefinitionError(`${subject}: successThreshold is only for fanoutPolicy 'threshold'`);
  }
  if (whenExhausted !== undefined && !WHEN_EXHAUSTED.includes(whenExhausted)) {
    throw new FlowDefinitionError(`${subject}: unknown whenExhausted ${JSON.stringify(whenExhausted)} (expected ${oneOf(WHEN_EXHAUSTED)})`);
  }
  const picked: { -readonly [K in keyof StepFailureOptions]: StepFailureOptions[K] } = {};
  if (fanoutPolicy !== undefined) picked.fanoutPolicy = fanoutPolicy;
  if (successThreshold !== undefined) picked.successThreshold = successThreshold;
  if (whenExhausted !== undefined) picked.whenExhausted = whenExhausted;
  return Object.freeze(picked);
}

function isJsonObject(value: unknown): value is JsonPattern {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The rules of the extension's add_step for conditions. */
function checkCondition(subject: string, options: StepCondition): StepCondition {
  const picked: { -readonly [K in keyof StepCondition]: StepCondition[K] } = {};
  for (const key of ['if', 'ifNot'] as const) {
    const pattern = options[key];
    if (pattern === undefined) continue;
    if (!isJsonObject(pattern)) throw new FlowDefinitionError(`${subject}: ${key} must be a JSON object to match the input against`);
    picked[key] = pattern;
  }
  const { whenUnmet } = options;
  if (whenUnmet !== undefined) {
    if (!WHEN_UNMET.includes(whenUnmet)) {
      throw new FlowDefinitionError(`${subject}: unknown whenUnmet ${JSON.stringify(whenUnmet)} (expected ${oneOf(WHEN_UNMET)})`);
    }
    picked.whenUnmet = whenUnmet;
  }
  return Object.freeze(picked);
}

/** What every fan-out takes beside its own options: retries and timeouts, its failure policy, a condition. */
type FanoutOptions<Policy extends FanoutPolicy, Exhausted extends WhenExhausted, If, IfNot, Unmet extends WhenUnmet> =
  FanoutRuntimeOptions & FanoutFailureOptions<Policy, Exhausted> & ConditionOptions<If, IfNot, Unmet>;

/**
 * A flow with the fan-out `Slug` added, whose items output `Output`, over the output of `Dep`
 * (never: over the run input), which is then no longer a leaf.
 */
type WithFanout<
  Input, Steps extends StepOutputs, Leaves extends string, Skippable extends string,
  Slug extends string, Dep extends string, Output, Policy extends FanoutPolicy, Exhausted extends WhenExhausted, If, IfNot, Unmet extends WhenUnmet,
> = Flow<Input, WithStep<Steps, Slug, FanoutOutput<Output, Policy>>, Exclude<Leaves, Dep> | Slug, Skippable | SkippedBy<Slug, Exhausted, If, IfNot, Unmet>>;

/**
 * A flow definition. `Input` is the run input; `Steps` maps each step slug to its output type
 * (a fan-out's output is the array of its tasks' outputs, in index order); `Leaves` are the steps
 * nothing depends on; `Skippable` the steps whose failure skips them instead of failing the run.
 */
export class Flow<Input, Steps extends StepOutputs = {}, Leaves extends string = never, Skippable extends string = never> {
  readonly slug: string;
  readonly options: Omit<FlowOptions, 'slug'>;
  readonly steps: readonly StepDefinition[];
  /** Lets tools recognise flows built by another copy of this package. */
  readonly [FLOW_BRAND] = true;
  /** Carries the type parameters; never set at run time. */
  declare readonly __types?: { input: Input; steps: Steps; leaves: Leaves; skippable: Skippable };

  constructor(options: FlowOptions);
  constructor(options: FlowOptions, steps: readonly StepDefinition[]);
  constructor(options: FlowOptions, steps: readonly StepDefinition[] = []) {
    if (typeof options !== 'object' || options === null) {
      throw new FlowDefinitionError('a flow needs an options object with a slug');
    }
    checkSlug('flow', options.slug);
    checkOptions(`flow '${options.slug}'`, options as unknown as Record<string, unknown>, FLOW_OPTION_NAMES);
    this.slug = options.slug;
    this.options = Object.freeze(pickOptions(options as unknown as Record<string, unknown>, FLOW_OPTION_NAMES));
    this.steps = Object.freeze([...steps]);
  }

  /** A fan-out over the run input, which must be an array: one task per element. */
  step<Slug extends string, Output, Policy extends FanoutPolicy = 'fail_fast', Exhausted extends WhenExhausted = 'fail', If extends ConditionPattern<Input, Steps, never> = never, IfNot extends ConditionPattern<Input, Steps, never> = never, Unmet extends WhenUnmet = 'skip'>(
    options: { readonly slug: FreshSlug<Slug, Steps>; readonly fanout: true; readonly dependsOn?: readonly [] } &
      FanoutOptions<Policy, Exhausted, If, IfNot, Unmet> &
      RequireArrayInput<Input>,
    handler: (input: { item: ElementOf<Input> }, context: TaskContext) => Output | Promise<Output>,
  ): WithFanout<Input, Steps, Leaves, Skippable, Slug, never, Output, Policy, Exhausted, If, IfNot, Unmet>;
  /** A fan-out over one step's array output: one task per element. */
  step<
    Slug extends string,
    Dep extends ArrayStepSlugs<Steps>,
    Output,
    Policy extends FanoutPolicy = 'fail_fast',
    Exhausted extends WhenExhausted = 'fail',
    If extends ConditionPattern<Input, Steps, Dep> = never, IfNot extends ConditionPattern<Input, Steps, Dep> = never, Unmet extends WhenUnmet = 'skip',
  >(
    options: { readonly slug: FreshSlug<Slug, Steps>; readonly fanout: true; readonly dependsOn: readonly [Dep] } &
      FanoutOptions<Policy, Exhausted, If, IfNot, Unmet>,
    handler: (input: { item: ElementOf<Steps[Dep]> }, context: TaskContext) => Output | Promise<Output>,
  ): WithFanout<Input, Steps, Leaves, Skippable, Slug, Dep, Output, Policy, Exhausted, If, IfNot, Unmet>;
  /** A single step: one task, given the run input and its dependencies' outputs. */
  step<Slug extends string, Output, Deps extends keyof Steps & string = never, Exhausted extends WhenExhausted = 'fail', If extends ConditionPattern<Input, Steps, Deps> = never, IfNot extends ConditionPattern<Input, Steps, Deps> = never, Unmet extends WhenUnmet = 'skip'>(
    options: { readonly slug: FreshSlug<Slug, Steps>; readonly fanout?: false; readonly dependsOn?: readonly Deps[] } & StepRuntimeOptions &
      SingleFailureOptions<Exhausted> &
      ConditionOptions<If, IfNot, Unmet>,
    handler: (input: SingleInput<Input, Steps, Deps, Skippable>, context: TaskContext) => Output | Promise<Output>,
  ): Flow<Input, WithStep<Steps, Slug, Awaited<Output>>, Exclude<Leaves, Deps> | Slug, Skippable | SkippedBy<Slug, Exhausted, If, IfNot, Unmet>>;
  step(options: StepOptionsAtRuntime, handler: (input: never, context: TaskContext) => unknown): AnyFlow {
    return this.addStep(options, handler as StepDefinition['handler']);
  }

  /** A fan-out over the array at `path` of the run input: one task per element. */
  map<
    Slug extends string,
    Path extends ArrayPaths<Input>,
    Output,
    Policy extends FanoutPolicy = 'fail_fast',
    Exhausted extends WhenExhausted = 'fail',
    If extends ConditionPattern<Input, Steps, never> = never, IfNot extends ConditionPattern<Input, Steps, never> = never, Unmet extends WhenUnmet = 'skip',
  >(
    options: { readonly slug: FreshSlug<Slug, Steps>; readonly array?: never; readonly path: Path } &
      FanoutOptions<Policy, Exhausted, If, IfNot, Unmet>,
    handler: (item: ElementOf<AtPath<Input, Path>>, context: TaskContext) => Output | Promise<Output>,
  ): WithFanout<Input, Steps, Leaves, Skippable, Slug, never, Output, Policy, Exhausted, If, IfNot, Unmet>;
  /** A fan-out over the array at `path` of one step's output: one task per element. */
  map<
    Slug extends string,
    Dep extends keyof Steps & string,
    Path extends ArrayPaths<Steps[Dep]>,
    Output,
    Policy extends FanoutPolicy = 'fail_fast',
    Exhausted extends WhenExhausted = 'fail',
    If extends ConditionPattern<Input, Steps, Dep> = never, IfNot extends ConditionPattern<Input, Steps, Dep> = never, Unmet extends WhenUnmet = 'skip',
  >(
    options: { readonly slug: FreshSlug<Slug, Steps>; readonly array: Dep; readonly path: Path } &
      FanoutOptions<Policy, Exhausted, If, IfNot, Unmet>,
    handler: (item: ElementOf<AtPath<Steps[Dep], Path>>, context: TaskContext) => Output | Promise<Output>,
  ): WithFanout<Input, Steps, Leaves, Skippable, Slug, Dep, Output, Policy, Exhausted, If, IfNot, Unmet>;
  /** Sugar for a fan-out whose handler takes the element itself. Without `array`, maps the run input. */
  map<Slug extends string, Output, Policy extends FanoutPolicy = 'fail_fast', Exhausted extends WhenExhausted = 'fail', If extends ConditionPattern<Input, Steps, never> = never, IfNot extends ConditionPattern<Input, Steps, never> = never, Unmet extends WhenUnmet = 'skip'>(
    options: { readonly slug: FreshSlug<Slug, Steps>; readonly array?: never } &
      FanoutOptions<Policy, Exhausted, If, IfNot, Unmet> &
      RequireArrayInput<Input>,
    handler: (item: ElementOf<Input>, context: TaskContext) => Output | Promise<Output>,
  ): WithFanout<Input, Steps, Leaves, Skippable, Slug, never, Output, Policy, Exhausted, If, IfNot, Unmet>;
  map<
    Slug extends string,
    Dep extends ArrayStepSlugs<Steps>,
    Output,
    Policy extends FanoutPolicy = 'fail_fast',
    Exhausted extends WhenExhausted = 'fail',
    If extends ConditionPattern<Input, Steps, Dep> = never, IfNot extends ConditionPattern<Input, Steps, Dep> = never, Unmet extends WhenUnmet = 'skip',
  >(
    options: { readonly slug: FreshSlug<Slug, Steps>; readonly array: Dep } &
      FanoutOptions<Policy, Exhausted, If, IfNot, Unmet>,
    handler: (item: ElementOf<Steps[Dep]>, context: TaskContext) => Output | Promise<Output>,
  ): WithFanout<Input, Steps, Leaves, Skippable, Slug, Dep, Output, Policy, Exhausted, If, IfNot, Unmet>;
  map(options: MapOptionsAtRuntime, handler: (item: never, context: TaskContext) => unknown): AnyFlow {
    if (typeof options !== 'object' || options === null) {
      throw new FlowDefinitionError(`flow '${this.slug}': map needs an options object with a slug`);
    }
    const { array, path, ...rest } = options;
    const itemHandler = handler as (item: unknown, context: TaskContext) => unknown;
    return this.addStep(
      { ...rest, fanout: true, dependsOn: array === undefined ? [] : [array], ...(path === undefined ? {} : { fanoutPath: path }) },
      (input, context) => itemHandler((input as { item: unknown }).item, context),
    );
  }

  /**
   * A fan-out that hands its handler `size` consecutive items at a time (the last batch takes what
   * is left) and takes back one output per item, in order: the step's output is still one element
   * per item. Without `array`, over the run input.
   */
  batch<Slug extends string, Output, Policy extends FanoutPolicy = 'fail_fast', Exhausted extends WhenExhausted = 'fail', If extends ConditionPattern<Input, Steps, never> = never, IfNot extends ConditionPattern<Input, Steps, never> = never, Unmet extends WhenUnmet = 'skip'>(
    options: { readonly slug: FreshSlug<Slug, Steps>; readonly size: number; readonly array?: never } &
      FanoutOptions<Policy, Exhausted, If, IfNot, Unmet> &
      RequireArrayInput<Input>,
    handler: (items: ElementOf<Input>[], context: TaskContext) => readonly Output[] | Promise<readonly Output[]>,
  ): WithFanout<Input, Steps, Leaves, Skippable, Slug, never, Output, Policy, Exhausted, If, IfNot, Unmet>;
  batch<
    Slug extends string,
    Dep extends ArrayStepSlugs<Steps>,
    Output,
    Policy extends FanoutPolicy = 'fail_fast',
    Exhausted extends WhenExhausted = 'fail',
    If extends ConditionPattern<Input, Steps, Dep> = never, IfNot extends ConditionPattern<Input, Steps, Dep> = never, Unmet extends WhenUnmet = 'skip',
  >(
    options: { readonly slug: FreshSlug<Slug, Steps>; readonly size: number; readonly array: Dep } &
      FanoutOptions<Policy, Exhausted, If, IfNot, Unmet>,
    handler: (items: ElementOf<Steps[Dep]>[], context: TaskContext) => readonly Output[] | Promise<readonly Output[]>,
  ): WithFanout<Input, Steps, Leaves, Skippable, Slug, Dep, Output, Policy, Exhausted, If, IfNot, Unmet>;
  batch(options: BatchOptionsAtRuntime, handler: (items: never, context: TaskContext) => unknown): AnyFlow {
    if (typeof options !== 'object' || options === null) {
      throw new FlowDefinitionError(`flow '${this.slug}': batch needs an options object with a slug and a size`);
    }
    const { array, size, ...rest } = options;
    if (size === undefined) {
      throw new FlowDefinitionError(`step '${String(rest.slug)}' of flow '${this.slug}': batch needs a size (items per task)`);
    }
    const itemsHandler = handler as (items: unknown, context: TaskContext) => unknown;
    return this.addStep(
      { ...rest, fanout: true, dependsOn: array === undefined ? [] : [array], batchSize: size },
      (input, context) => {
        const batch = input as { items: unknown[]; first_index: number };
        // The context's own properties, its signal's getter among them, unread (the worker makes
        // the signal only when a handler reads it).
        const withFirstIndex = Object.defineProperties({}, {
          ...Object.getOwnPropertyDescriptors(context),
          firstIndex: { value: batch.first_index, enumerable: true },
        }) as TaskContext;
        return itemsHandler(batch.items, withFirstIndex);
      },
    );
  }

  /**
   * A fan-out whose items are whole runs of `flow`, each started with its item as input: the
   * step's output is their outputs, in item order. A child run that fails is a failed attempt of
   * its item (the next attempt is a new run); the child flow's own workers run its tasks, and
   * this flow's workers run nothing for this step. Without `array`, over the run input.
   */
  subflow<Slug extends string, Child extends AnyFlow, Policy extends FanoutPolicy = 'fail_fast', Exhausted extends WhenExhausted = 'fail', If extends ConditionPattern<Input, Steps, never> = never, IfNot extends ConditionPattern<Input, Steps, never> = never, Unmet extends WhenUnmet = 'skip'>(
    options: { readonly slug: FreshSlug<Slug, Steps>; readonly flow: Child; readonly array?: never } & StepRuntimeOptions &
      FanoutFailureOptions<Policy, Exhausted> &
      ConditionOptions<If, IfNot, Unmet> &
      RequireArrayInput<Input> &
      RequireChildInput<ElementOf<Input>, FlowInput<Child>>,
  ): WithFanout<Input, Steps, Leaves, Skippable, Slug, never, FlowOutput<Child>, Policy, Exhausted, If, IfNot, Unmet>;
  subflow<
    Slug extends string,
    Dep extends ArrayStepSlugs<Steps>,
    Child extends AnyFlow,
    Policy extends FanoutPolicy = 'fail_fast',
    Exhausted extends WhenExhausted = 'fail',
    If extends ConditionPattern<Input, Steps, Dep> = never, IfNot extends ConditionPattern<Input, Steps, Dep> = never, Unmet extends WhenUnmet = 'skip',
  >(
    options: { readonly slug: FreshSlug<Slug, Steps>; readonly flow: Child; readonly array: Dep } & StepRuntimeOptions &
      FanoutFailureOptions<Policy, Exhausted> &
      ConditionOptions<If, IfNot, Unmet> &
      RequireChildInput<ElementOf<Steps[Dep]>, FlowInput<Child>>,
  ): WithFanout<Input, Steps, Leaves, Skippable, Slug, Dep, FlowOutput<Child>, Policy, Exhausted, If, IfNot, Unmet>;
  /** A sub-flow fan-out over the array at `path` of the run input. */
  subflow<Slug extends string, Path extends ArrayPaths<Input>, Child extends AnyFlow, Policy extends FanoutPolicy = 'fail_fast', Exhausted extends WhenExhausted = 'fail', If extends ConditionPattern<Input, Steps, never> = never, IfNot extends ConditionPattern<Input, Steps, never> = never, Unmet extends WhenUnmet = 'skip'>(
    options: { readonly slug: FreshSlug<Slug, Steps>; readonly flow: Child; readonly array?: never; readonly path: Path } & StepRuntimeOptions &
      FanoutFailureOptions<Policy, Exhausted> &
      ConditionOptions<If, IfNot, Unmet> &
      RequireChildInput<ElementOf<AtPath<Input, Path>>, FlowInput<Child>>,
  ): WithFanout<Input, Steps, Leaves, Skippable, Slug, never, FlowOutput<Child>, Policy, Exhausted, If, IfNot, Unmet>;
  /** A sub-flow fan-out over the array at `path` of one step's output. */
  subflow<
    Slug extends string,
    Dep extends keyof Steps & string,
    Path extends ArrayPaths<Steps[Dep]>,
    Child extends AnyFlow,
    Policy extends FanoutPolicy = 'fail_fast',
    Exhausted extends WhenExhausted = 'fail',
    If extends ConditionPattern<Input, Steps, Dep> = never, IfNot extends ConditionPattern<Input, Steps, Dep> = never, Unmet extends WhenUnmet = 'skip',
  >(
    options: { readonly slug: FreshSlug<Slug, Steps>; readonly flow: Child; readonly array: Dep; readonly path: Path } & StepRuntimeOptions &
      FanoutFailureOptions<Policy, Exhausted> &
      ConditionOptions<If, IfNot, Unmet> &
      RequireChildInput<ElementOf<AtPath<Steps[Dep], Path>>, FlowInput<Child>>,
  ): WithFanout<Input, Steps, Leaves, Skippable, Slug, Dep, FlowOutput<Child>, Policy, Exhausted, If, IfNot, Unmet>;
  subflow(options: SubflowOptionsAtRuntime): AnyFlow {
    if (typeof options !== 'object' || options === null) {
      throw new FlowDefinitionError(`flow '${this.slug}': subflow needs an options object with a slug and a flow`);
    }
    const { array, path, flow, ...rest } = options;
    if (!isFlow(flow)) {
      throw new FlowDefinitionError(`step '${String(rest.slug)}' of flow '${this.slug}': subflow needs the flow its items run as`);
    }
    if (flow.slug === this.slug) {
      throw new FlowDefinitionError(`step '${String(rest.slug)}' of flow '${this.slug}': a flow cannot run itself as a sub-flow`);
    }
    const slug = String(rest.slug);
    const source = { dependsOn: array === undefined ? [] : [array], ...(path === undefined ? {} : { fanoutPath: path }) };
    return this.addStep({ ...rest, fanout: true, ...source, subflow: flow }, () => {
      throw new Error(`step '${slug}' of flow '${this.slug}' is run by child runs of flow '${flow.slug}', not by this worker`);
    });
  }

  /** The step with this slug, if any. */
  getStep(slug: string): StepDefinition | undefined {
    return this.steps.find((step) => step.slug === slug);
  }

  private addStep(options: StepOptionsAtRuntime, handler: StepDefinition['handler']): AnyFlow {
    if (typeof options !== 'object' || options === null) {
      throw new FlowDefinitionError(`flow '${this.slug}': a step needs an options object with a slug`);
    }
    checkSlug('step', options.slug);
    const subject = `step '${options.slug}' of flow '${this.slug}'`;
    if (this.getStep(options.slug) !== undefined) {
      throw new FlowDefinitionError(`${subject} is defined twice`);
    }
    if (typeof handler !== 'function') {
      throw new FlowDefinitionError(`${subject} needs a handler function`);
    }
    const dependsOn = options.dependsOn ?? [];
    if (!Array.isArray(dependsOn)) {
      throw new FlowDefinitionError(`${subject}: dependsOn must be an array of step slugs`);
    }
    for (const [i, dep] of dependsOn.entries()) {
      if (dep === options.slug) throw new FlowDefinitionError(`${subject} cannot depend on itself`);
      if (typeof dep !== 'string' || this.getStep(dep) === undefined) {
        throw new FlowDefinitionError(`${subject} depends on ${JSON.stringify(dep)}, which is not an earlier step of the flow`);
      }
      if (dependsOn.indexOf(dep) !== i) throw new FlowDefinitionError(`${subject} lists dependency '${dep}' twice`);
    }
    const fanout = options.fanout ?? false;
    if (typeof fanout !== 'boolean') throw new FlowDefinitionError(`${subject}: fanout must be true or false`);
    if (fanout && dependsOn.length > 1) {
      throw new FlowDefinitionError(`${subject} is a fan-out and may depend on at most one step, got ${dependsOn.length}`);
    }
    checkOptions(subject, options as unknown as Record<string, unknown>, STEP_OPTION_NAMES);
    const failure = checkFailureOptions(subject, options, fanout);
    const condition = checkCondition(subject, options);
    for (const name of FANOUT_OPTION_NAMES) {
      if (options[name] !== undefined && !fanout) {
        throw new FlowDefinitionError(`${subject}: ${name} needs a fan-out step; a single step has one task`);
      }
    }
    const { fanoutPath, subflow } = options;
    if (subflow !== undefined && (options.maxConcurrency !== undefined || options.batchSize !== undefined)) {
      throw new FlowDefinitionError(`${subject}: a sub-flow fan-out takes neither maxConcurrency nor batchSize`);
    }
    if (fanoutPath !== undefined && (typeof fanoutPath !== 'string' || fanoutPath.split('.').some((name) => name === ''))) {
      throw new FlowDefinitionError(`${subject}: path ${JSON.stringify(fanoutPath)} must be field names joined by dots, such as 'items' or 'page.rows'`);
    }
    const step: StepDefinition = Object.freeze({
      slug: options.slug,
      dependsOn: Object.freeze([...(dependsOn as string[])]),
      fanout,
      options: Object.freeze(pickOptions(options as unknown as Record<string, unknown>, STEP_OPTION_NAMES)),
      failure,
      condition,
      ...(fanoutPath === undefined ? {} : { fanoutPath }),
      ...(subflow === undefined ? {} : { subflow }),
      handler,
    });
    return new Flow<Input, StepOutputs, string, string>({ slug: this.slug, ...this.options }, [...this.steps, step]);
  }
}

interface StepOptionsAtRuntime extends FanoutRuntimeOptions, StepFailureOptions, StepCondition {
  readonly slug: string;
  /** A fan-out over the field at this dotted path of its source (`map`'s `path`). */
  readonly fanoutPath?: string;
  /** Items per task (`batch`'s `size`). */
  readonly batchSize?: number;
  /** The flow each item runs as (`subflow`'s `flow`). */
  readonly subflow?: AnyFlow;
  readonly fanout?: boolean;
  readonly dependsOn?: readonly string[];
}

interface MapOptionsAtRuntime extends FanoutRuntimeOptions, StepFailureOptions, StepCondition {
  readonly slug: string;
  readonly array?: string;
  readonly path?: string;
}

interface BatchOptionsAtRuntime extends FanoutRuntimeOptions, StepFailureOptions, StepCondition {
  readonly slug: string;
  readonly size: number;
  readonly array?: string;
}

interface SubflowOptionsAtRuntime extends StepRuntimeOptions, StepFailureOptions, StepCondition {
  readonly slug: string;
  readonly flow: unknown;
  readonly array?: string;
  readonly path?: string;
}

/** True for flows built by any copy of this package. */
export function isFlow(value: unknown): value is AnyFlow {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[FLOW_BRAND] === true;
}

/** A flow of any types, as tools that only read its definition take it (`any`: a flow's type
 * parameters appear in handler arguments too, so no narrower type accepts every flow). */
export type AnyFlow = Flow<any, any, string, string>;

type FlowTypes<F> = F extends { readonly __types?: infer T } ? NonNullable<T> : never;
/** The run input type of a flow. */
export type FlowInput<F> = FlowTypes<F> extends { input: infer I } ? I : never;
/** The step outputs of a flow, by slug. */
export type FlowSteps<F> = FlowTypes<F> extends { steps: infer S } ? S : never;
/**
 * A completed run's output: the outputs of the steps nothing depends on, by slug. A leaf that may
 * be skipped is optional: the output leaves skipped steps out.
 */
export type FlowOutput<F> = FlowTypes<F> extends { steps: infer S; leaves: infer L extends string; skippable: infer K extends string }
  ? Simplify<
      { [P in Exclude<L, K>]: P extends keyof S ? S[P] : never } & { [P in Extract<L, K>]?: P extends keyof S ? S[P] : never }
    >
  : never;
