import { describe, expect, it } from "vitest";
import type { ThreadEvent } from "../../shared/core/events.ts";
import {
  deriveConsecutiveErrors,
  deriveDanglingCall,
  deriveFailure,
  deriveHead,
  deriveOutput,
  derivePending,
  deriveStatus,
  deriveStepsSinceHumanInput,
  summarize,
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
const error = (
  code: "invalid_args" | "model_reply" | "model_failed" | "tool_failed" = "invalid_args",
): ThreadEvent => ({
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
      "a cancelled thread stays cancelled with a late result of a tool that ran",
      [
        user,
        modelCall("call_1"),
        approvalRequested,
        { type: "approval_decision", at, data: { callId: "call_1", approved: true } },
        { type: "cancelled", at, data: {} },
        result("call_1"),
      ],
      "cancelled",
    ],
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

  it("tells an escalation by the runtime from a human tool's question, old threads too", () => {
    const escalated: ThreadEvent = {
      type: "human_input_requested",
      at,
      data: {
        callId: "call_4",
        tool: "escalation",
        args: { reason: "model_unusable" },
        message: "Escalated because the model rejected the request.",
        reason: "model_unusable",
      },
    };
    expect(derivePending([user, escalated])).toEqual({
      callId: "call_4",
      kind: "escalation",
      tool: "escalation",
      args: { reason: "model_unusable" },
      message: "Escalated because the model rejected the request.",
      reason: "model_unusable",
    });
    expect(derivePending([user, humanRequested])?.kind).toBe("human_input");
    expect(deriveStatus([user, escalated])).toBe("waiting_for_human");
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

  it("is the output of the done event that ends a longer thread", () => {
    // Prepare
    const done: ThreadEvent = { type: "done", at, data: { callId: "call_3", output: "7" } };

    // Act + Assess
    expect(deriveOutput([user, modelCall("call_1"), result("call_1"), done])).toBe("7");
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

const failed: ThreadEvent = { type: "failed", at, data: { reason: "step message dead-lettered" } };
const retried: ThreadEvent = { type: "retry_requested", at, data: { reason: "redriven" } };
const decision = (callId: string, approved: boolean): ThreadEvent => ({
  type: "approval_decision",
  at,
  data: { callId, approved },
});

describe("Function: derivePending, after a failure", () => {
  it("waits for nothing once a waiting thread has failed, nor after its retry", () => {
    // Prepare: the thread failed while its approval was still open
    const failedWhileWaiting = [user, modelCall("call_1"), approvalRequested, failed];

    // Act + Assess
    expect(derivePending(failedWhileWaiting)).toBeNull();
    expect(deriveStatus(failedWhileWaiting)).toBe("failed");
    expect(derivePending([...failedWhileWaiting, retried])).toBeNull();
    expect(deriveStatus([...failedWhileWaiting, retried])).toBe("running");
  });

  it("shows a question the thread asked after a retry", () => {
    expect(derivePending([user, failed, retried, humanRequested])).toMatchObject({
      callId: "call_1",
      kind: "human_input",
      message: "which?",
    });
  });
});

describe("Function: deriveFailure", () => {
  it("is the reason of a failed thread, null once it is retried", () => {
    expect(deriveFailure([user, modelCall("call_1"), failed])).toBe("step message dead-lettered");
    expect(deriveFailure([user, modelCall("call_1"), failed, retried])).toBeNull();
    expect(deriveFailure([user])).toBeNull();
    expect(deriveFailure([])).toBeNull();
    expect(deriveOutput([])).toBeNull();
  });
});

describe("Function: deriveConsecutiveErrors, what resets it", () => {
  it.each<[string, ThreadEvent]>([
    ["an approval decision", decision("call_1", false)],
    ["an operator's retry", retried],
    ["a user message", user],
  ])("resets on %s", (_case, reset) => {
    expect(deriveConsecutiveErrors([user, error(), error(), reset, error()])).toBe(1);
  });

  it("does not reset on a call that has no result yet", () => {
    expect(deriveConsecutiveErrors([user, error(), modelCall("c"), error()])).toBe(2);
  });
});

describe("Function: deriveStepsSinceHumanInput, what counts as a model step", () => {
  it("counts a reply the model got wrong and a model it could not reach, as one step each", () => {
    expect(deriveStepsSinceHumanInput([user, error("model_reply"), error("model_reply")])).toBe(2);
    expect(deriveStepsSinceHumanInput([user, error("model_failed"), modelCall("call_2")])).toBe(2);
  });

  it("does not count tool errors or results, which follow a model call already counted", () => {
    const events = [user, modelCall("call_1"), error("tool_failed"), error("invalid_args")];
    expect(deriveStepsSinceHumanInput([...events, result("call_1")])).toBe(1);
  });

  it.each<[string, ThreadEvent]>([
    ["an approval decision", decision("call_2", true)],
    ["an operator's retry", retried],
  ])("starts again after %s", (_case, reset) => {
    expect(
      deriveStepsSinceHumanInput([user, modelCall("call_1"), modelCall("call_2"), reset]),
    ).toBe(0);
  });
});

describe("Function: deriveDanglingCall", () => {
  const approval = (callId: string, a: number): ThreadEvent => ({
    type: "approval_requested",
    at,
    data: { callId, tool: "divide", args: { a, b: 2 }, argsHash: `h${a}` },
  });
  const message: ThreadEvent = { type: "user_message", at, data: { message: "and then?" } };

  it("is the request an approval answers, until the approved call has run", () => {
    // Prepare
    const approved = [
      user,
      modelCall("call_1", "divide"),
      approval("call_1", 8),
      decision("call_1", true),
    ];

    // Act + Assess
    expect(deriveDanglingCall(approved)).toEqual({
      callId: "call_1",
      tool: "divide",
      args: { a: 8, b: 2 },
      source: "approved",
    });
    expect(deriveDanglingCall([...approved, result("call_1")])).toBeNull();
  });

  it("is the model's saved sync call until its result or error follows", () => {
    // Prepare
    const saved = [user, modelCall("call_1", "add")];
    const failed: ThreadEvent = {
      type: "error",
      at,
      data: { code: "tool_failed", message: "add failed", callId: "call_1", tool: "add" },
    };

    // Act + Assess
    expect(deriveDanglingCall(saved)).toMatchObject({ callId: "call_1", source: "model" });
    expect(deriveDanglingCall([...saved, result("call_1")])).toBeNull();
    expect(deriveDanglingCall([...saved, failed])).toBeNull();
  });

  it("stays owed when messages arrive before the call runs", () => {
    const events = [user, modelCall("call_1", "add"), message, message];
    expect(deriveDanglingCall(events)).toMatchObject({ callId: "call_1", tool: "add" });
    const approved = [user, approval("call_1", 8), decision("call_1", true), message];
    expect(deriveDanglingCall(approved)).toMatchObject({ callId: "call_1", source: "approved" });
  });

  it("is null for a thread without events", () => {
    expect(deriveDanglingCall([])).toBeNull();
    expect(deriveDanglingCall([user])).toBeNull();
  });

  it("is null for a rejection and for a thread still waiting", () => {
    const waiting = [user, modelCall("call_1", "divide"), approval("call_1", 8)];
    expect(deriveDanglingCall(waiting)).toBeNull();
    expect(deriveDanglingCall([...waiting, decision("call_1", false)])).toBeNull();
  });

  it("binds the approval to the request it names, not to the latest one", () => {
    // Prepare: an earlier request for other arguments is still in the thread
    const events = [
      user,
      approval("call_1", 8),
      decision("call_1", false),
      approval("call_3", 6),
      decision("call_1", true),
    ];

    // Act + Assess
    expect(deriveDanglingCall(events)?.args).toEqual({ a: 8, b: 2 });
    expect(deriveDanglingCall([user, approval("call_3", 6), decision("call_9", true)])).toBeNull();
  });
});

describe("Function: summarize", () => {
  it("shows what the API shows of a thread waiting for approval", () => {
    // Prepare
    const thread = {
      id: "thr_1",
      agent: "calculator",
      events: [
        user,
        modelCall("call_1"),
        result("call_1"),
        error("model_reply"),
        modelCall("call_4"),
        approvalRequested,
      ],
    };

    // Act + Assess
    expect(summarize(thread)).toEqual({
      threadId: "thr_1",
      agent: "calculator",
      status: "waiting_for_approval",
      version: 6,
      pending: {
        callId: "call_1",
        kind: "approval",
        tool: "divide",
        args: { a: 1, b: 2 },
        argsHash: "h",
      },
      output: null,
      consecutiveErrors: 1,
      stepsSinceHumanInput: 3,
      usage: { inputTokens: 0, outputTokens: 0, modelCalls: 0 },
    });
  });
});

describe("Function: deriveHead", () => {
  it("refuses a thread without events, saying so", () => {
    expect(() => deriveHead([])).toThrow(new TypeError("a thread without events has no head"));
  });
});
