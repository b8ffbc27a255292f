/**
 * Flows written with pgflow's own DSL (`@pgflow/dsl`, `new Flow(...).step(...).map(...)`) run on
 * this extension as they are: they are read through their public shape (slug, options, stepOrder,
 * getStepDefinition) and turned into a flow of this package, with their handlers' own signatures
 * kept (a step handler gets `{ run, ...deps }`, a map handler the element).
 */
import { Flow, isFlow, type AnyFlow, type TaskContext } from './dsl.js';

/** The options pgflow's DSL knows, for a flow and for a step. */
export interface PgflowRuntimeOptions {
  readonly maxAttempts?: number;
  readonly baseDelay?: number;
  readonly timeout?: number;
  readonly startDelay?: number;
}

/** A step of a flow built by `@pgflow/dsl`. */
export interface PgflowStepLike {
  readonly slug: string;
  // Handler arguments are each flow's own types; any is the only type every such handler fits.
  readonly handler: (input: any, context: any) => unknown;
  readonly dependencies: readonly string[];
  readonly options: PgflowRuntimeOptions;
  /** 'map' for a fan-out; absent or 'single' otherwise. */
  readonly stepType?: string;
}

/** A flow built by `@pgflow/dsl` (0.8.x), as far as running it needs. */
export interface PgflowFlowLike {
  readonly slug: string;
  readonly options: PgflowRuntimeOptions;
  readonly stepOrder: readonly string[];
  getStepDefinition(slug: string): PgflowStepLike;
}

/** A flow of this package or one built by `@pgflow/dsl`. */
export type AnyFlowDefinition = AnyFlow | PgflowFlowLike;

export function isPgflowFlow(value: unknown): value is PgflowFlowLike {
  if (typeof value !== 'object' || value === null) return false;
  const flow = value as Partial<PgflowFlowLike>;
  return typeof flow.slug === 'string' && Array.isArray(flow.stepOrder) && typeof flow.getStepDefinition === 'function';
}

function runtimeOptions(options: PgflowRuntimeOptions | undefined): PgflowRuntimeOptions {
  const picked: { -readonly [K in keyof PgflowRuntimeOptions]: number } = {};
  for (const name of ['maxAttempts', 'baseDelay', 'timeout', 'startDelay'] as const) {
    const value = options?.[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

/** The flow itself when it is one of this package's; a pgflow flow turned into one. */
export function toFlow(flow: AnyFlowDefinition): AnyFlow {
  if (isFlow(flow)) return flow;
  if (!isPgflowFlow(flow)) {
    throw new TypeError('expected a Flow of this package or of @pgflow/dsl');
  }
  const { startDelay: _ignored, ...flowOptions } = runtimeOptions(flow.options);
  let converted: AnyFlow = new Flow({ slug: flow.slug, ...flowOptions });
  for (const slug of flow.stepOrder) {
    const step = flow.getStepDefinition(slug);
    const options = { slug: step.slug, dependsOn: [...step.dependencies], ...runtimeOptions(step.options) };
    if (step.stepType === 'map') {
      const handler = (input: { item: unknown }, context: TaskContext) => step.handler(input.item, context);
      converted = converted.step({ ...options, fanout: true } as never, handler as never);
    } else {
      converted = converted.step(options as never, step.handler as never);
    }
  }
  return converted;
}
