import type { Actor, ErrorCode, EscalationReason, EventOf, Usage } from "../core/events.ts";
import { hashArgs, hashToken } from "../core/hash.ts";

/**
 * Thread events for tests, one factory per event type: the required fields as arguments, the
 * rest as options, every event dated `EVENT_AT` unless `at` says otherwise.
 *
 * @example
 * const thread: Thread = {
 *   id: "thr_1",
 *   agent: "calculator",
 *   events: [userMessage("8 / 2"), toolCall("call_1", "divide", { a: 8, b: 2 })],
 * };
 */
export const EVENT_AT = "2026-01-01T00:00:00.000Z";

/** When an event happened and who caused it. */
export interface EventStamp {
  at?: string;
  by?: Actor;
}

const stamp = ({ at = EVENT_AT, by }: EventStamp) => (by ? { at, by } : { at });

export const userMessage = (
  message: string,
  options: EventStamp & { metadata?: Record<string, unknown> } = {},
): EventOf<"user_message"> => ({
  type: "user_message",
  ...stamp(options),
  data: options.metadata ? { message, metadata: options.metadata } : { message },
});

export const toolCall = (
  callId: string,
  tool: string,
  args: unknown = {},
  options: EventStamp & { source?: "model" | "prefetch"; usage?: Usage } = {},
): EventOf<"tool_call"> => ({
  type: "tool_call",
  ...stamp(options),
  data: {
    callId,
    tool,
    args,
    source: options.source ?? "model",
    ...(options.usage ? { usage: options.usage } : {}),
  },
});

export const toolResult = (
  callId: string,
  tool: string,
  result: unknown,
  options: EventStamp = {},
): EventOf<"tool_result"> => ({
  type: "tool_result",
  ...stamp(options),
  data: { callId, tool, result },
});

/** An `error` event: a mistake the model sees on its next step (or an outage it does not). */
export const threadError = (
  code: ErrorCode,
  message: string,
  options: EventStamp & { callId?: string; tool?: string; usage?: Usage; detail?: string } = {},
): EventOf<"error"> => {
  const { at, by, ...fields } = options;
  return { type: "error", ...stamp({ at, by }), data: { code, message, ...fields } };
};

/** An approval request bound to `args` (its `argsHash` is theirs unless given). */
export const approvalRequested = (
  callId: string,
  tool: string,
  args: unknown = {},
  options: EventStamp & { argsHash?: string } = {},
): EventOf<"approval_requested"> => ({
  type: "approval_requested",
  ...stamp(options),
  data: { callId, tool, args, argsHash: options.argsHash ?? hashArgs(args) },
});

export const approvalDecision = (
  callId: string,
  approved: boolean,
  options: EventStamp & { comment?: string } = {},
): EventOf<"approval_decision"> => ({
  type: "approval_decision",
  ...stamp(options),
  data:
    options.comment === undefined
      ? { callId, approved }
      : { callId, approved, comment: options.comment },
});

export const humanInputRequested = (
  callId: string,
  message: string,
  options: EventStamp & { tool?: string; args?: unknown; reason?: EscalationReason } = {},
): EventOf<"human_input_requested"> => ({
  type: "human_input_requested",
  ...stamp(options),
  data: {
    callId,
    tool: options.tool ?? "request_more_information",
    args: options.args ?? { message },
    message,
    reason: options.reason ?? "tool",
  },
});

/**
 * A callback tool's wait: `tokenHash` is the sha256 of the token `start` was handed (default: of
 * `<callId>-token`), `expiresAt` when the wait ends (default: a day after `EVENT_AT`).
 */
export const callbackRequested = (
  callId: string,
  tool: string,
  args: unknown = {},
  options: EventStamp & { tokenHash?: string; expiresAt?: string } = {},
): EventOf<"callback_requested"> => ({
  type: "callback_requested",
  ...stamp(options),
  data: {
    callId,
    tool,
    args,
    tokenHash: options.tokenHash ?? hashToken(`${callId}-token`),
    expiresAt: options.expiresAt ?? "2026-01-02T00:00:00.000Z",
  },
});

/** The `start` of callback `callId` ran with the token of its last request. */
export const callbackStarted = (
  callId: string,
  options: EventStamp = {},
): EventOf<"callback_started"> => ({
  type: "callback_started",
  ...stamp(options),
  data: { callId },
});

/** A retryable failure of `callId`'s `attempt`-th run, retried at `retryAt` (default `EVENT_AT`). */
export const toolRetry = (
  callId: string,
  tool: string,
  attempt: number,
  message: string,
  options: EventStamp & { retryAt?: string; detail?: string } = {},
): EventOf<"tool_retry"> => {
  const { at, by, retryAt, detail } = options;
  return {
    type: "tool_retry",
    ...stamp({ at, by }),
    data: {
      callId,
      tool,
      attempt,
      message,
      ...(detail === undefined ? {} : { detail }),
      retryAt: retryAt ?? EVENT_AT,
    },
  };
};

export const humanResponse = (
  callId: string,
  response: string,
  options: EventStamp = {},
): EventOf<"human_response"> => ({
  type: "human_response",
  ...stamp(options),
  data: { callId, response },
});

export const done = (
  callId: string,
  output: string,
  options: EventStamp = {},
): EventOf<"done"> => ({
  type: "done",
  ...stamp(options),
  data: { callId, output },
});

export const failed = (reason: string, options: EventStamp = {}): EventOf<"failed"> => ({
  type: "failed",
  ...stamp(options),
  data: { reason },
});

export const retryRequested = (
  reason: string,
  options: EventStamp = {},
): EventOf<"retry_requested"> => ({
  type: "retry_requested",
  ...stamp(options),
  data: { reason },
});

export const cancelled = (
  options: EventStamp & { reason?: string } = {},
): EventOf<"cancelled"> => ({
  type: "cancelled",
  ...stamp(options),
  data: options.reason === undefined ? {} : { reason: options.reason },
});

/** The tool set a thread was shown (tools from MCP servers), and what changed since the last. */
export const toolSet = (
  tools: Record<string, string>,
  fingerprint: string,
  options: EventStamp & { change?: NonNullable<EventOf<"tool_set">["data"]["change"]> } = {},
): EventOf<"tool_set"> => {
  const { at, by, change } = options;
  return {
    type: "tool_set",
    ...stamp({ at, by }),
    data: { fingerprint, tools, ...(change ? { change } : {}) },
  };
};

/** A compaction of versions `from`..`to` (an `elide` one unless `method` says otherwise). */
export const compaction = (
  from: number,
  to: number,
  summary: string,
  options: EventStamp &
    Partial<Omit<EventOf<"compaction">["data"], "from" | "to" | "summary">> = {},
): EventOf<"compaction"> => {
  const { at, by, method = "elide", tokensBefore = 0, tokensAfter = 0, ...rest } = options;
  return {
    type: "compaction",
    ...stamp({ at, by }),
    data: { from, to, method, summary, tokensBefore, tokensAfter, ...rest },
  };
};

export const childRequested = (
  callId: string,
  tool: string,
  message: string,
  options: EventStamp & { agent?: string; depth?: number } = {},
): EventOf<"child_requested"> => ({
  type: "child_requested",
  ...stamp(options),
  data: { callId, tool, agent: options.agent ?? tool, message, depth: options.depth ?? 1 },
});
