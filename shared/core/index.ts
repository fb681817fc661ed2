export {
  type Agent,
  type AgentOptions,
  type CompactionMethod,
  type ContextHelpers,
  compactionMethods,
  defineAgent,
  type PrefetchArgs,
  type PrefetchCall,
} from "./agent.ts";
export { type AgentToolOptions, agentTool } from "./agent-tool.ts";
export {
  CALLBACK_ACTOR,
  CallbackTokenError,
  callbackRequest,
  callbackToStart,
  completeCallback,
  expiredCallback,
  InvalidCallbackResultError,
  recordCallbackStart,
  reissueCallback,
  threadIdOfToken,
} from "./callback.ts";
export { cancel } from "./cancel.ts";
export { contextOf } from "./context.ts";
export * from "./errors.ts";
export * from "./events.ts";
export { canonicalJson, hashArgs, hashToken } from "./hash.ts";
export { doneForNow, requestMoreInformation } from "./human-tools.ts";
export { isStrictSchema, type JsonSchemaObject } from "./json-schema-tool.ts";
export { fork, type HumanReply, launch, respond } from "./lifecycle.ts";
export { type IfRunning, ifRunningPolicies, message } from "./message.ts";
export type * from "./ports.ts";
export {
  latestCompaction,
  renderContext,
  renderEvents,
  renderValue,
  truncate,
} from "./render.ts";
export {
  InvalidMetadataError,
  launchMetadataOf,
  parseRunContext,
  type RunContextOf,
  type RunContextSchema,
  runContextOf,
} from "./run-context.ts";
export { headAfter, type NextAction, type StepDeps, type StepResult, step } from "./step.ts";
export {
  type ChildEnd,
  type ChildRequest,
  childEndOf,
  childOutcome,
  childThread,
} from "./sub-agents.ts";
export {
  type PromptContext,
  type PromptFunction,
  renderSystemPrompt,
  type SystemPrompt,
} from "./system-prompt.ts";
export * from "./thread.ts";
export { estimateTokens, requestTokens, type TokenCounter } from "./tokens.ts";
export * from "./tool.ts";
export { compactToolError, ToolError } from "./tool-error.ts";
export {
  printToolSet,
  type ToolSetPrint,
  ToolSourceError,
  toolSetChange,
  withSourceTools,
} from "./tool-source.ts";
