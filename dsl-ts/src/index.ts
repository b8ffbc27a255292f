export {
  allSucceeded,
  Flow,
  FlowDefinitionError,
  isFlow,
  partition,
  slugProblem,
  values,
  type AnyFlow,
  type ArrayPaths,
  type AtPath,
  type FanoutPolicy,
  type FanoutRuntimeOptions,
  type JsonPattern,
  type StepCondition,
  type WhenUnmet,
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
export { compileFlow, compileFlowScript, compileShape, flowShape, quoteLiteral, subflowsOf, type FlowShape, type PatternShape, type StepShape } from './compile.js';
export { isPgflowFlow, toFlow, type AnyFlowDefinition, type PgflowFlowLike, type PgflowRuntimeOptions, type PgflowStepLike } from './pgflow-compat.js';
export { postgresTaskQueue, type ClaimedTask, type Completion, type Failure, type FlowCheck, type PollRequest, type TaskKey, type TaskQueue } from './queue.js';
export { errorMessage, FlowMismatchError, LeaseLostError, startWorker, WorkerOptionsError, type Worker, type WorkerOptions, type WorkerStats } from './worker.js';
export { type ConnectionOptions } from './connection.js';
export { redriveRun, RunFailedError, runFlow, startRun, waitForRun, type RunOptions, type StartOptions } from './runs.js';
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
