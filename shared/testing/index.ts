/** `twelve-agents/testing`: what a user's tests need, and nothing of the project's own kit. */

export { MemoryThreadStore } from "../runtime/memory-store.ts";
export { steppingClock } from "./clock.ts";
export {
  approvalDecision,
  approvalRequested,
  callbackRequested,
  callbackStarted,
  cancelled,
  childRequested,
  compaction,
  done,
  EVENT_AT,
  type EventStamp,
  failed,
  humanInputRequested,
  humanResponse,
  retryRequested,
  threadError,
  toolCall,
  toolResult,
  toolRetry,
  toolSet,
  userMessage,
} from "./events.ts";
export { call, invalid, ScriptedModel, type ScriptStep } from "./scripted-model.ts";
