// Generated from the extension's engine (src/validate.rs, src/engine/shape.rs) by the test
// dsl_rules::the_dsl_rules_are_the_engines (src/lib.rs); edit those, then run
// `UPDATE_GENERATED=1 make test T=rust` to write this again.

/** The longest slug, and the slugs that are taken. */
export const SLUG_MAX_LENGTH = 128;
export const SLUG_RESERVED: readonly string[] = ['run'];

/** The least value of each numeric option, flow and step alike. */
export const OPTION_MINIMUMS = {
  maxAttempts: 0,
  baseDelay: 0,
  timeout: 1,
  runTimeout: 1,
  startDelay: 0,
  fanoutTimeout: 1,
  maxDelay: 0,
  maxConcurrency: 1,
  batchSize: 1,
} as const;

/** The defaults of a flow's options, which a shape always states (pgflow's). */
export const FLOW_DEFAULTS = { maxAttempts: 3, baseDelay: 5, timeout: 60 } as const;
/** The default of `maxDelay`, which a shape states only when it differs. */
export const DEFAULT_MAX_DELAY = 300;

/** The defaults of a step's policies, which a shape always states. */
export const STEP_DEFAULTS = { fanoutPolicy: 'fail_fast', whenExhausted: 'fail', whenUnmet: 'skip' } as const;

export const FANOUT_POLICIES: readonly string[] = ['fail_fast', 'collect_all', 'threshold'];
export const WHEN_EXHAUSTED: readonly string[] = ['fail', 'skip', 'skip-cascade'];
export const WHEN_UNMET: readonly string[] = ['skip', 'skip-cascade', 'fail'];
