// Types of bench/driver.mjs, for the TypeScript that runs it (dsl-ts/test/e2e/conformance.test.ts).
import type { Sql } from 'postgres';

export interface RawTask {
  readonly run_id: string;
  readonly step_slug: string;
  readonly task_index: number;
  readonly input: Record<string, unknown>;
}

export function rawWorker(options: {
  sql: Sql;
  flowSlug: string;
  batchSize: number;
  run: (task: RawTask) => unknown;
  stopped: () => boolean;
  answered?: (tasks: readonly RawTask[], startedAt: number) => void;
  answerAlone?: readonly string[];
  lease?: number;
  maxPollSeconds?: number;
}): Promise<void>;
