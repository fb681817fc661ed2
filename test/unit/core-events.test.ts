import { describe, expect, it } from "vitest";
import {
  type EventType,
  errorCodes,
  escalationReasons,
  type ThreadEvent,
  threadEvent,
} from "../../shared/core/events.ts";

const at = "2026-01-01T00:00:00.000Z";
const usage = { inputTokens: 120, outputTokens: 14, model: "gpt-4o-mini-2024-07-18" };
const alice = { principal: "alice", via: "slack" };

/** One event of every type, each with all its optional fields, as a store would read them back. */
const everyEvent: ThreadEvent[] = [
  { type: "user_message", at, by: alice, data: { message: "3 + 4?", metadata: { ticket: 7 } } },
  {
    type: "user_message",
    at,
    by: { principal: "thr_1", via: "agent" },
    data: {
      message: "deploy the api",
      parent: { threadId: "thr_1", callId: "call_1", rootThreadId: "thr_0", depth: 2 },
    },
  },
  {
    type: "child_requested",
    at,
    data: { callId: "call_1", tool: "deployer", agent: "deployer", message: "go", depth: 2 },
  },
  {
    type: "tool_call",
    at,
    data: { callId: "call_1", tool: "add", args: { a: 3, b: 4 }, source: "model", usage },
  },
  {
    type: "tool_call",
    at,
    data: { callId: "call_1", tool: "list_git_tags", args: {}, source: "prefetch" },
  },
  { type: "tool_result", at, data: { callId: "call_1", tool: "add", result: 7 } },
  {
    type: "error",
    at,
    data: { code: "invalid_args", message: "a: expected number", callId: "call_1", tool: "add" },
  },
  { type: "error", at, data: { code: "model_reply", message: "no tool call", usage } },
  {
    type: "approval_requested",
    at,
    data: { callId: "call_3", tool: "divide", args: { a: 7, b: 2 }, argsHash: "9f2c" },
  },
  {
    type: "approval_decision",
    at,
    by: { principal: "key:ops", via: "api" },
    data: { callId: "call_3", approved: false, comment: "no divisions today" },
  },
  {
    type: "human_input_requested",
    at,
    data: {
      callId: "call_5",
      tool: "escalation",
      args: { reason: "max_steps" },
      message: "Escalated after 20 model steps without human input.",
      reason: "max_steps",
    },
  },
  { type: "human_response", at, data: { callId: "call_5", response: "go on" } },
  { type: "done", at, data: { callId: "call_7", output: "3.5" } },
  { type: "failed", at, data: { reason: "step message dead-lettered" } },
  { type: "retry_requested", at, data: { reason: "redriven by an operator" } },
  { type: "cancelled", at, data: { reason: "the customer withdrew" } },
  {
    type: "compaction",
    at,
    data: {
      from: 1,
      to: 40,
      method: "elide",
      summary: "40 earlier events compacted: 19 tool calls (add ×19).",
      tokensBefore: 4100,
      tokensAfter: 2300,
      usage,
    },
  },
  {
    type: "tool_set",
    at,
    data: {
      fingerprint: "b1",
      tools: { crm_find: "c2" },
      change: { from: "a0", added: [], removed: ["crm_old"], changed: ["crm_find"] },
    },
  },
  {
    type: "callback_requested",
    at,
    data: {
      callId: "call_9",
      tool: "run_ci",
      args: { ref: "main" },
      tokenHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      expiresAt: "2026-12-02T10:00:00.000Z",
    },
  },
  { type: "callback_started", at, data: { callId: "call_9" } },
  {
    type: "tool_retry",
    at,
    data: {
      callId: "call_11",
      tool: "charge",
      attempt: 1,
      message: "charge failed: 503",
      detail: "ToolError: 503",
      retryAt: "2026-12-01T10:00:05.000Z",
    },
  },
];

const allTypes: EventType[] = [
  "user_message",
  "tool_call",
  "tool_result",
  "error",
  "approval_requested",
  "approval_decision",
  "human_input_requested",
  "human_response",
  "done",
  "failed",
  "retry_requested",
  "cancelled",
  "compaction",
  "tool_set",
  "child_requested",
  "callback_requested",
  "callback_started",
  "tool_retry",
];

describe("Schema: threadEvent", () => {
  it.each(everyEvent.map((event) => [event.type, event] as const))(
    "reads a stored %s event back exactly as it was written",
    (_type, event) => {
      // Act
      const parsed = threadEvent.safeParse(JSON.parse(JSON.stringify(event)));

      // Assess
      expect(parsed.success).toBe(true);
      expect(parsed.data).toEqual(event);
    },
  );

  it("knows the seventeen event types of a thread, and the samples above hold each", () => {
    // Act
    const known = threadEvent.options.map((option) => option.shape.type.value);

    // Assess
    expect([...known].sort()).toEqual([...allTypes].sort());
    expect(new Set(everyEvent.map((event) => event.type))).toEqual(new Set(allTypes));
  });

  it("accepts every error code and every escalation reason", () => {
    // Prepare
    const errors = errorCodes.map((code) => ({ type: "error", at, data: { code, message: "m" } }));
    const escalations = escalationReasons.map((reason) => ({
      type: "human_input_requested",
      at,
      data: { callId: "call_1", tool: "escalation", args: { reason }, message: "m", reason },
    }));

    // Act + Assess
    for (const event of [...errors, ...escalations]) {
      expect(threadEvent.safeParse(event).success, JSON.stringify(event)).toBe(true);
    }
    expect(errorCodes).toEqual([
      "model_reply",
      "model_failed",
      "unknown_tool",
      "invalid_args",
      "tool_failed",
      "tools_unavailable",
      "depth_limit",
      "agent_failed",
      "callback_expired",
    ]);
    expect(escalationReasons).toEqual([
      "tool",
      "too_many_errors",
      "max_steps",
      "model_unusable",
      "max_tokens",
      "tools_unusable",
    ]);
  });

  it.each<[string, unknown]>([
    ["an unknown event type", { type: "note", at, data: { message: "hi" } }],
    [
      "a time that is not ISO 8601",
      { type: "user_message", at: "yesterday", data: { message: "" } },
    ],
    [
      "a tool call from neither the model nor a prefetch",
      { type: "tool_call", at, data: { callId: "c", tool: "add", args: {}, source: "user" } },
    ],
    ["an unknown error code", { type: "error", at, data: { code: "oops", message: "m" } }],
    [
      "negative token counts",
      {
        type: "error",
        at,
        data: {
          code: "model_reply",
          message: "m",
          usage: { inputTokens: -1, outputTokens: 0 },
        },
      },
    ],
    [
      "fractional token counts",
      {
        type: "tool_call",
        at,
        data: {
          callId: "c",
          tool: "add",
          args: {},
          source: "model",
          usage: { inputTokens: 1.5, outputTokens: 0 },
        },
      },
    ],
    [
      "an approval decision that is not a boolean",
      { type: "approval_decision", at, data: { callId: "c", approved: "yes" } },
    ],
    [
      "an approval request without its hash",
      { type: "approval_requested", at, data: { callId: "c", tool: "divide", args: {} } },
    ],
    [
      "an unknown escalation reason",
      {
        type: "human_input_requested",
        at,
        data: { callId: "c", tool: "escalation", args: {}, message: "m", reason: "bored" },
      },
    ],
    ["a human response without its text", { type: "human_response", at, data: { callId: "c" } }],
    ["a done event without output", { type: "done", at, data: { callId: "c" } }],
    ["a failure without a reason", { type: "failed", at, data: {} }],
    ["a retry without a reason", { type: "retry_requested", at, data: {} }],
    ["a tool result without its call id", { type: "tool_result", at, data: { tool: "add" } }],
    ["a user message without text", { type: "user_message", at, data: {} }],
    [
      "metadata that is not an object",
      { type: "user_message", at, data: { message: "m", metadata: 7 } },
    ],
    [
      "an actor without a principal",
      { type: "user_message", at, by: { principal: "", via: "api" }, data: { message: "m" } },
    ],
    [
      "an actor without a way in",
      { type: "user_message", at, by: { principal: "alice", via: "" }, data: { message: "m" } },
    ],
    [
      "an actor's principal over 256 characters",
      {
        type: "done",
        at,
        by: { principal: "p".repeat(257), via: "api" },
        data: { callId: "c", output: "o" },
      },
    ],
    [
      "an actor's way in over 128 characters",
      {
        type: "done",
        at,
        by: { principal: "alice", via: "v".repeat(129) },
        data: { callId: "c", output: "o" },
      },
    ],
    [
      "a model name over 256 characters",
      {
        type: "error",
        at,
        data: {
          code: "model_reply",
          message: "m",
          usage: { inputTokens: 1, outputTokens: 1, model: "m".repeat(257) },
        },
      },
    ],
    [
      "a compaction from version 0",
      {
        type: "compaction",
        at,
        data: { from: 0, to: 4, method: "elide", summary: "s", tokensBefore: 1, tokensAfter: 1 },
      },
    ],
    [
      "a compaction of an unknown method",
      {
        type: "compaction",
        at,
        data: { from: 1, to: 4, method: "guess", summary: "s", tokensBefore: 1, tokensAfter: 1 },
      },
    ],
    [
      "a compaction with negative tokens",
      {
        type: "compaction",
        at,
        data: { from: 1, to: 4, method: "elide", summary: "s", tokensBefore: 1, tokensAfter: -1 },
      },
    ],
    ["a cancellation reason that is not text", { type: "cancelled", at, data: { reason: 7 } }],
  ])("refuses %s", (_case, input) => {
    // Act + Assess
    expect(threadEvent.safeParse(input).success).toBe(false);
  });

  it("accepts an actor's principal of 256 characters, its way in of 128, and a model name of 256", () => {
    const event = {
      type: "error",
      at,
      by: { principal: "p".repeat(256), via: "v".repeat(128) },
      data: {
        code: "model_reply",
        message: "m",
        usage: { inputTokens: 0, outputTokens: 0, model: "m".repeat(256) },
      },
    };
    expect(threadEvent.parse(event)).toEqual(event);
  });
});
