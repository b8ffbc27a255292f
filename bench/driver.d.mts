// Types of bench/driver.mjs, for the TypeScript that runs it (dsl-ts/test/e2e/conformance.test.ts).
// `sql` is a postgres.js connection; it is not typed here, since the bench's node_modules (which
// hold postgres.js for this folder) are not installed where dsl-ts is type-checked.

export interface RawTask {
  readonly run_id: string;
  readonly step_slug: string;
  readonly task_index: number;
  readonly input: Record<string, unknown>;
}

export function rawWorker(options: {
  sql: unknown;
  flowSlug: string;
  batchSize: number;
  run: (task: RawTask) => unknown;
  stopped: () => boolean;
  answered?: (tasks: readonly RawTask[], startedAt: number) => void;
  answerAlone?: readonly string[];
  lease?: number;
  maxPollSeconds?: number;
}): Promise<void>;
