/**
 * `twelve-agents`: define agents and tools, run them in process with `createRunner`, and the pure
 * core they are built on (reducer, lifecycle, renderer, derivations, ports, errors).
 *
 * @example
 * import { createRunner, defineAgent, doneForNow } from "twelve-agents";
 */
export * from "./core/index.ts";
export {
  checkToolSources,
  type ToolSourcesReport,
} from "./runtime/check-tool-sources.ts";
export { UnknownAgentError } from "./runtime/errors.ts";
export {
  type CallbackReply,
  createRunner,
  type Runner,
  type RunnerOptions,
  type RunResult,
} from "./runtime/runner.ts";
export {
  CachedThreadStore,
  type ThreadCacheOptions,
  type ThreadCacheStats,
  withThreadCache,
} from "./runtime/thread-cache.ts";
