export {
  allSucceeded,
  Flow,
  FlowDefinitionError,
  isFlow,
  partition,
  slugProblem,
  values,
  type AnyFlow,
  type FanoutPolicy,
  type ItemFailure,
  type ItemResult,
  type StepFailureOptions,
  type WhenExhausted,
  type FlowInput,
  type FlowOptions,
  type FlowOutput,
  type FlowSteps,
  type StepDefinition,
  type StepRuntimeOptions,
  type TaskContext,
} from './dsl.js';
export { compileFlow, compileFlowScript, quoteLiteral } from './compile.js';
export { postgresTaskQueue, type ClaimedTask, type Completion, type Failure, type PollRequest, type TaskKey, type TaskQueue } from './queue.js';
export { errorMessage, LeaseLostError, startWorker, WorkerOptionsError, type Worker, type WorkerOptions, type WorkerStats } from './worker.js';
export { type ConnectionOptions } from './connection.js';
export { redriveRun, RunFailedError, runFlow, startRun, waitForRun, type RunOptions } from './runs.js';
export {
  progress,
  pruneRuns,
  repairRun,
  stats,
  streamResults,
  type FlowStats,
  type PruneOptions,
  type RepairChange,
  type StepProgress,
  type StreamOptions,
  type TaskResult,
} from './watch.js';
