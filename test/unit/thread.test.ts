import { describe, expect, it } from "vitest";
import type { ThreadEvent } from "../../shared/core/events.ts";
import {
  deriveConsecutiveErrors,
  deriveOutput,
  derivePending,
  deriveStatus,
  deriveStepsSinceHumanInput,
} from "../../shared/core/thread.ts";

const at = "2026-01-01T00:00:00.000Z";
const user: ThreadEvent = { type: "user_message", at, data: { message: "3 + 4?" } };
const modelCall = (callId: string, tool = "add"): ThreadEvent => ({
  type: "tool_call",
  at,
  data: { callId, tool, args: { a: 3, b: 4 }, source: "model" },
});
const result = (callId: string): ThreadEvent => ({
  type: "tool_result",
  at,
  data: { callId, tool: "add", result: 7 },
});
const error = (code: "invalid_args" | "model_reply" = "invalid_args"): ThreadEvent => ({
  type: "error",
  at,
  data: { code, message: "bad" },
});
const approvalRequested: ThreadEvent = {
  type: "approval_requested",
  at,
  data: { callId: "call_1", tool: "divide", args: { a: 1, b: 2 }, argsHash: "h" },
};
const humanRequested: ThreadEvent = {
  type: "human_input_requested",
  at,
  data: {
    callId: "call_1",
    tool: "ask",
    args: { message: "which?" },
    message: "which?",
    reason: "tool",
  },
};

describe("Function: deriveStatus", () => {
  it.each<[string, ThreadEvent[], string]>([
    ["a new thread is running", [user], "running"],
    [
      "a sync call in progress is running",
      [user, modelCall("call_1"), result("call_1")],
      "running",
    ],
    [
      "an unanswered approval waits for approval",
      [user, modelCall("call_1"), approvalRequested],
      "waiting_for_approval",
    ],
    [
      "an answered approval runs again",
      [
        user,
        modelCall("call_1"),
        approvalRequested,
        { type: "approval_decision", at, data: { callId: "call_1", approved: false } },
      ],
      "running",
    ],
    [
      "an unanswered question waits for a human",
      [user, modelCall("call_1"), humanRequested],
      "waiting_for_human",
    ],
    [
      "an answered question runs again",
      [
        user,
        humanRequested,
        { type: "human_response", at, data: { callId: "call_1", response: "this" } },
      ],
      "running",
    ],
    [
      "a terminal call is done",
      [user, { type: "done", at, data: { callId: "call_1", output: "7" } }],
      "done",
    ],
    ["a failure is failed", [user, { type: "failed", at, data: { reason: "poison" } }], "failed"],
  ])("%s", (_name, events, status) => {
    // Act + Assess
    expect(deriveStatus(events)).toBe(status);
  });
});

describe("Function: derivePending", () => {
  it("shows the approval a thread waits on, with its args and hash", () => {
    expect(derivePending([user, modelCall("call_1"), approvalRequested])).toEqual({
      callId: "call_1",
      kind: "approval",
      tool: "divide",
      args: { a: 1, b: 2 },
      argsHash: "h",
    });
  });

  it("is null once the call is answered", () => {
    const answered: ThreadEvent = {
      type: "human_response",
      at,
      data: { callId: "call_1", response: "x" },
    };
    expect(derivePending([user, humanRequested, answered])).toBeNull();
  });

  it("is null for a thread that never waited", () => {
    expect(derivePending([user, modelCall("call_1"), result("call_1")])).toBeNull();
  });
});

describe("Function: deriveOutput", () => {
  it("is the terminal message once done, null before", () => {
    expect(deriveOutput([user])).toBeNull();
    expect(deriveOutput([user, { type: "done", at, data: { callId: "c", output: "7" } }])).toBe(
      "7",
    );
  });
});

describe("Function: deriveConsecutiveErrors", () => {
  it("counts errors since the last success", () => {
    expect(deriveConsecutiveErrors([user, error(), error()])).toBe(2);
    expect(deriveConsecutiveErrors([user, error(), modelCall("c"), result("c"), error()])).toBe(1);
  });

  it("resets on human input", () => {
    const answer: ThreadEvent = {
      type: "human_response",
      at,
      data: { callId: "c", response: "go" },
    };
    expect(deriveConsecutiveErrors([user, error(), error(), error(), answer])).toBe(0);
  });
});

describe("Function: deriveStepsSinceHumanInput", () => {
  it("counts model calls and model errors, not prefetch calls or tool errors", () => {
    const prefetch: ThreadEvent = {
      type: "tool_call",
      at,
      data: { callId: "p", tool: "list", args: {}, source: "prefetch" },
    };
    const events = [
      user,
      prefetch,
      modelCall("a"),
      result("a"),
      error("model_reply"),
      modelCall("b"),
      error(),
    ];
    expect(deriveStepsSinceHumanInput(events)).toBe(3);
  });

  it("starts again after a human response", () => {
    const answer: ThreadEvent = {
      type: "human_response",
      at,
      data: { callId: "c", response: "go" },
    };
    expect(
      deriveStepsSinceHumanInput([user, modelCall("a"), modelCall("b"), answer, modelCall("c")]),
    ).toBe(1);
  });
});
