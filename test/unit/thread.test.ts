import { describe, expect, it } from "vitest";
import type { ThreadEvent } from "../../shared/core/events.ts";
import {
  deriveConsecutiveErrors,
  deriveDanglingCall,
  deriveFailure,
  deriveHead,
  deriveOutput,
  derivePending,
  deriveRetries,
  deriveStatus,
  deriveStepsSinceHumanInput,
  summarize,
} from "../../shared/core/thread.ts";
import {
  approvalDecision,
  approvalRequested,
  cancelled,
  done,
  failed,
  humanInputRequested,
  humanResponse,
  retryRequested,
  threadError,
  toolCall,
  toolResult,
  toolRetry,
  userMessage,
} from "../../shared/testing/index.ts";

const user: ThreadEvent = userMessage("3 + 4?");
const modelCall = (callId: string, tool = "add"): ThreadEvent =>
  toolCall(callId, tool, { a: 3, b: 4 });
const result = (callId: string): ThreadEvent => toolResult(callId, "add", 7);
const error = (
  code: "invalid_args" | "model_reply" | "model_failed" | "tool_failed" = "invalid_args",
): ThreadEvent => threadError(code, "bad");
const approvalAsked: ThreadEvent = approvalRequested(
  "call_1",
  "divide",
  { a: 1, b: 2 },
  { argsHash: "h" },
);
const humanRequested: ThreadEvent = humanInputRequested("call_1", "which?", {
  tool: "ask",
  args: { message: "which?" },
});

describe("Function: deriveStatus", () => {
  it.each<[string, ThreadEvent[], string]>([
    ["a new thread is running", [user], "running"],
    [
      "a cancelled thread stays cancelled with a late result of a tool that ran",
      [
        user,
        modelCall("call_1"),
        approvalAsked,
        approvalDecision("call_1", true),
        cancelled(),
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
      [user, modelCall("call_1"), approvalAsked],
      "waiting_for_approval",
    ],
    [
      "an answered approval runs again",
      [user, modelCall("call_1"), approvalAsked, approvalDecision("call_1", false)],
      "running",
    ],
    [
      "an unanswered question waits for a human",
      [user, modelCall("call_1"), humanRequested],
      "waiting_for_human",
    ],
    [
      "an answered question runs again",
      [user, humanRequested, humanResponse("call_1", "this")],
      "running",
    ],
    ["a terminal call is done", [user, done("call_1", "7")], "done"],
    ["a failure is failed", [user, failed("poison")], "failed"],
  ])("%s", (_name, events, status) => {
    // Act + Assess
    expect(deriveStatus(events)).toBe(status);
  });
});

describe("Function: derivePending", () => {
  it("shows the approval a thread waits on, with its args and hash", () => {
    expect(derivePending([user, modelCall("call_1"), approvalAsked])).toEqual({
      callId: "call_1",
      kind: "approval",
      tool: "divide",
      args: { a: 1, b: 2 },
      argsHash: "h",
    });
  });

  it("is null once the call is answered", () => {
    const answered: ThreadEvent = humanResponse("call_1", "x");
    expect(derivePending([user, humanRequested, answered])).toBeNull();
  });

  it("tells an escalation by the runtime from a human tool's question, old threads too", () => {
    const escalated: ThreadEvent = humanInputRequested(
      "call_4",
      "Escalated because the model rejected the request.",
      { tool: "escalation", args: { reason: "model_unusable" }, reason: "model_unusable" },
    );
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
    expect(deriveOutput([user, done("c", "7")])).toBe("7");
  });

  it("is the output of the done event that ends a longer thread", () => {
    // Prepare
    const finished: ThreadEvent = done("call_3", "7");

    // Act + Assess
    expect(deriveOutput([user, modelCall("call_1"), result("call_1"), finished])).toBe("7");
  });
});

describe("Function: deriveConsecutiveErrors", () => {
  it("counts errors since the last success", () => {
    expect(deriveConsecutiveErrors([user, error(), error()])).toBe(2);
    expect(deriveConsecutiveErrors([user, error(), modelCall("c"), result("c"), error()])).toBe(1);
  });

  it("resets on human input", () => {
    const answer: ThreadEvent = humanResponse("c", "go");
    expect(deriveConsecutiveErrors([user, error(), error(), error(), answer])).toBe(0);
  });
});

describe("Function: deriveStepsSinceHumanInput", () => {
  it("counts model calls and model errors, not prefetch calls or tool errors", () => {
    const prefetch: ThreadEvent = toolCall("p", "list", {}, { source: "prefetch" });
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
    const answer: ThreadEvent = humanResponse("c", "go");
    expect(
      deriveStepsSinceHumanInput([user, modelCall("a"), modelCall("b"), answer, modelCall("c")]),
    ).toBe(1);
  });
});

const deadLettered: ThreadEvent = failed("step message dead-lettered");
const retried: ThreadEvent = retryRequested("redriven");
const decision = (callId: string, approved: boolean): ThreadEvent =>
  approvalDecision(callId, approved);

describe("Function: derivePending, after a failure", () => {
  it("waits for nothing once a waiting thread has failed, nor after its retry", () => {
    // Prepare: the thread failed while its approval was still open
    const failedWhileWaiting = [user, modelCall("call_1"), approvalAsked, deadLettered];

    // Act + Assess
    expect(derivePending(failedWhileWaiting)).toBeNull();
    expect(deriveStatus(failedWhileWaiting)).toBe("failed");
    expect(derivePending([...failedWhileWaiting, retried])).toBeNull();
    expect(deriveStatus([...failedWhileWaiting, retried])).toBe("running");
  });

  it("shows a question the thread asked after a retry", () => {
    expect(derivePending([user, deadLettered, retried, humanRequested])).toMatchObject({
      callId: "call_1",
      kind: "human_input",
      message: "which?",
    });
  });
});

describe("Function: deriveFailure", () => {
  it("is the reason of a failed thread, null once it is retried", () => {
    expect(deriveFailure([user, modelCall("call_1"), deadLettered])).toBe(
      "step message dead-lettered",
    );
    expect(deriveFailure([user, modelCall("call_1"), deadLettered, retried])).toBeNull();
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
  const approval = (callId: string, a: number): ThreadEvent =>
    approvalRequested(callId, "divide", { a, b: 2 }, { argsHash: `h${a}` });
  const message: ThreadEvent = userMessage("and then?");

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
    const toolFailed: ThreadEvent = threadError("tool_failed", "add failed", {
      callId: "call_1",
      tool: "add",
    });

    // Act + Assess
    expect(deriveDanglingCall(saved)).toMatchObject({ callId: "call_1", source: "model" });
    expect(deriveDanglingCall([...saved, result("call_1")])).toBeNull();
    expect(deriveDanglingCall([...saved, toolFailed])).toBeNull();
  });

  it("stays owed when messages arrive before the call runs", () => {
    const events = [user, modelCall("call_1", "add"), message, message];
    expect(deriveDanglingCall(events)).toMatchObject({ callId: "call_1", tool: "add" });
    const approved = [user, approval("call_1", 8), decision("call_1", true), message];
    expect(deriveDanglingCall(approved)).toMatchObject({ callId: "call_1", source: "approved" });
  });

  it("stays owed through the outage of its tool's source, its escalation and the reply", () => {
    // Prepare
    const saved = [user, modelCall("call_1", "find")];
    const outage = threadError("tools_unavailable", 'MCP server "s" did not answer');
    const escalation = humanInputRequested("call_5", "Escalated", { reason: "too_many_errors" });
    const reply = humanResponse("call_5", "it is back");
    const asked = humanInputRequested("call_2", "which one?", { tool: "ask", reason: "tool" });

    // Act + Assess
    const down = [...saved, outage, outage, outage, escalation, reply, outage];
    expect(deriveDanglingCall(down)).toMatchObject({ callId: "call_1", tool: "find" });
    // A person asked by a tool, or an error that names the call, is not an outage
    expect(deriveDanglingCall([...saved, asked, humanResponse("call_2", "that")])).toBeNull();
    const named = threadError("tools_unavailable", "down", { callId: "call_1" });
    expect(deriveDanglingCall([...saved, named])).toBeNull();
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
        approvalAsked,
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
      callback: null,
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

describe("Function: deriveRetries", () => {
  const saved = [user, modelCall("call_1", "charge")];
  const retry = (attempt: number, retryAt: string): ThreadEvent =>
    toolRetry("call_1", "charge", attempt, "charge failed: 503", { retryAt });

  it("counts the owed call's failed runs and keeps the latest one's retryAt", () => {
    const events = [...saved, retry(1, "2026-01-01T00:00:01Z"), retry(2, "2026-01-01T00:00:05Z")];
    expect(deriveRetries(events)).toEqual({ attempts: 2, retryAt: "2026-01-01T00:00:05Z" });
    expect(deriveRetries([...events, result("call_1")])).toEqual({ attempts: 0, retryAt: null });
    expect(deriveRetries(saved)).toEqual({ attempts: 0, retryAt: null });
  });

  it("passes over an outage of the tool's source, its escalation and the reply, as the call stays owed", () => {
    // Prepare
    const outage = threadError("tools_unavailable", 'MCP server "s" did not answer');
    const escalation = humanInputRequested("call_5", "Escalated", { reason: "too_many_errors" });
    const reply = humanResponse("call_5", "it is back");
    const events = [
      ...saved,
      retry(1, "2026-01-01T00:00:01Z"),
      userMessage("and?"),
      retry(2, "2026-01-01T00:00:05Z"),
      outage,
      outage,
      outage,
      escalation,
      reply,
      outage,
    ];

    // Act + Assess: the attempts and the due time survive the outage
    expect(deriveRetries(events)).toEqual({ attempts: 2, retryAt: "2026-01-01T00:00:05Z" });
    // A person asked by a tool, or an error that names the call, ends the count
    const asked = humanInputRequested("call_2", "which one?", { tool: "ask", reason: "tool" });
    const named = threadError("tools_unavailable", "down", { callId: "call_1" });
    for (const end of [asked, named]) {
      expect(deriveRetries([...saved, retry(1, "2026-01-01T00:00:01Z"), end])).toEqual({
        attempts: 0,
        retryAt: null,
      });
    }
  });
});
