import { describe, expect, it } from "vitest";
import {
  deriveStatus,
  type EventType,
  hashArgs,
  type ThreadEvent,
  threadEvent,
} from "../../shared/core/index.ts";
import {
  approvalDecision,
  approvalRequested,
  callbackRequested,
  callbackStarted,
  cancelled,
  childRequested,
  compaction,
  done,
  EVENT_AT,
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
} from "../../shared/testing/index.ts";

const alice = { principal: "alice", via: "slack" };
const usage = { inputTokens: 12, outputTokens: 3, model: "gpt-4o" };

/** One event of each type from its factory, the optional fields given. */
const built: Record<EventType, ThreadEvent> = {
  user_message: userMessage("3 + 4?", { metadata: { ticket: 7 }, by: alice }),
  tool_call: toolCall("call_1", "list_git_tags", {}, { source: "prefetch", usage }),
  tool_result: toolResult("call_1", "list_git_tags", ["v1"]),
  error: threadError("tool_failed", "add failed", { callId: "c", tool: "add", detail: "stack" }),
  approval_requested: approvalRequested("call_3", "divide", { a: 7, b: 2 }),
  approval_decision: approvalDecision("call_3", false, { comment: "not today" }),
  human_input_requested: humanInputRequested("call_5", "Escalated.", { reason: "max_steps" }),
  human_response: humanResponse("call_5", "go on"),
  done: done("call_7", "3.5"),
  failed: failed("step message dead-lettered"),
  retry_requested: retryRequested("redriven"),
  cancelled: cancelled({ reason: "withdrawn", at: "2026-02-01T00:00:00.000Z" }),
  compaction: compaction(1, 4, "summary", { method: "model", usage, tokensAfter: 10 }),
  tool_set: toolSet({ find: "c2" }, "b1", {
    change: { from: "a0", added: ["find"], removed: [], changed: [] },
  }),
  child_requested: childRequested("call_9", "researcher", "find X", {
    agent: "research",
    depth: 2,
  }),
  callback_requested: callbackRequested("call_9", "run_ci", { ref: "main" }, { by: alice }),
  callback_started: callbackStarted("call_9"),
  tool_retry: toolRetry("call_9", "charge", 1, "charge failed: 503", { detail: "Error: 503" }),
};

describe("Module: testing events", () => {
  it.each(Object.entries(built))(
    "builds a %s event the event schema reads back unchanged",
    (type, event) => {
      expect(event.type).toBe(type);
      expect(threadEvent.parse(JSON.parse(JSON.stringify(event)))).toEqual(event);
    },
  );

  it("dates events at one fixed time unless told, and names no actor unless given one", () => {
    expect(userMessage("hi")).toStrictEqual({
      type: "user_message",
      at: EVENT_AT,
      data: { message: "hi" },
    });
    expect(built.cancelled.at).toBe("2026-02-01T00:00:00.000Z");
    expect(built.user_message.by).toEqual(alice);
    expect(cancelled()).toStrictEqual({ type: "cancelled", at: EVENT_AT, data: {} });
  });

  it("fills the fields a test rarely cares about as the runtime would", () => {
    expect(toolCall("call_1", "add").data).toStrictEqual({
      callId: "call_1",
      tool: "add",
      args: {},
      source: "model",
    });
    expect(approvalRequested("call_3", "divide", { b: 2, a: 7 }).data.argsHash).toBe(
      hashArgs({ a: 7, b: 2 }),
    );
    expect(approvalDecision("call_3", true).data).toStrictEqual({
      callId: "call_3",
      approved: true,
    });
    expect(humanInputRequested("call_5", "Which year?").data).toEqual({
      callId: "call_5",
      tool: "request_more_information",
      args: { message: "Which year?" },
      message: "Which year?",
      reason: "tool",
    });
    expect(compaction(1, 4, "s").data).toStrictEqual({
      from: 1,
      to: 4,
      method: "elide",
      summary: "s",
      tokensBefore: 0,
      tokensAfter: 0,
    });
  });

  it("builds threads the core reads as a person would expect", () => {
    const asked = [
      userMessage("go"),
      toolCall("call_1", "request_more_information"),
      humanInputRequested("call_1", "Which?"),
    ];
    expect(deriveStatus(asked)).toBe("waiting_for_human");
    expect(deriveStatus([...asked, humanResponse("call_1", "this")])).toBe("running");
    expect(deriveStatus([userMessage("go"), done("call_1", "ok")])).toBe("done");
  });
});
