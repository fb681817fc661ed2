import type { ThreadEvent } from "../../../shared/core/events.ts";

/** A thread's events as their types, an error as `error:<code>`: what the model-fault runs compare. */
export const eventKinds = (thread: { events: readonly ThreadEvent[] } | undefined) =>
  thread?.events.map((e) => (e.type === "error" ? `error:${e.data.code}` : e.type));

/** The messages of a thread's error events, in order. */
export const errorMessages = (thread: { events: readonly ThreadEvent[] } | undefined) =>
  thread?.events.flatMap((e) => (e.type === "error" ? [e.data.message] : []));

/**
 * The run every provider's fault test scripts: three failed model calls escalate, a person
 * answers, a text reply is refused, then the model calls a tool and finishes.
 */
export const ESCALATED_THEN_DONE = [
  "user_message",
  "error:model_failed",
  "error:model_failed",
  "error:model_failed",
  "human_input_requested",
  "human_response",
  "error:model_reply",
  "tool_call",
  "tool_result",
  "tool_call",
  "done",
];
