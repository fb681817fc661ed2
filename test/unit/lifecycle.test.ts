import { beforeAll, describe, expect, it } from "vitest";
import { InvalidVersionError, NotPendingError } from "../../shared/core/errors.ts";
import { hashArgs } from "../../shared/core/hash.ts";
import { fork, launch, repeatsAnswer, respond } from "../../shared/core/lifecycle.ts";
import { derivePending, deriveStatus, type Thread } from "../../shared/core/thread.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { call, ScriptedModel, steppingClock } from "../../shared/testing/index.ts";
import { runUntilIdle, withEvent } from "../support/run.ts";

const clock = steppingClock();

async function waitingFor(tool: "divide" | "request_more_information"): Promise<Thread> {
  const args = tool === "divide" ? { a: 8, b: 2 } : { message: "which numbers?" };
  const model = new ScriptedModel([call(tool, args)]);
  const thread = launch({ agent: calculator, threadId: "thr_1", message: "8 / 2", clock });
  return (await runUntilIdle(thread, { agent: calculator, model, clock })).thread;
}

describe("Function: launch", () => {
  it("starts a running thread with the user's message and metadata", () => {
    const thread = launch({
      agent: calculator,
      threadId: "thr_1",
      message: "hi",
      metadata: { ticket: 7 },
      clock,
    });
    expect(thread).toMatchObject({ id: "thr_1", agent: "calculator" });
    expect(thread.events).toEqual([
      {
        type: "user_message",
        at: expect.any(String),
        data: { message: "hi", metadata: { ticket: 7 } },
      },
    ]);
    expect(deriveStatus(thread.events)).toBe("running");
  });
});

describe("Function: respond", () => {
  let approval: Thread;
  let question: Thread;
  beforeAll(async () => {
    approval = await waitingFor("divide");
    question = await waitingFor("request_more_information");
  });

  it("answers a pending approval, bound to the hash of the args shown", () => {
    const pending = derivePending(approval.events);
    expect(pending?.argsHash).toBe(hashArgs({ b: 2, a: 8 }));
    const event = respond(
      approval,
      { callId: pending?.callId ?? "", approved: true, argsHash: pending?.argsHash ?? "" },
      clock,
    );
    expect(event).toMatchObject({
      type: "approval_decision",
      data: { callId: pending?.callId, approved: true },
    });
  });

  it("refuses an approval bound to other arguments", () => {
    const callId = derivePending(approval.events)?.callId ?? "";
    expect(() =>
      respond(approval, { callId, approved: true, argsHash: hashArgs({ a: 8, b: 4 }) }, clock),
    ).toThrow(/argsHash mismatch/);
  });

  it("refuses a second decision on the same call", () => {
    const callId = derivePending(approval.events)?.callId ?? "";
    const decided = withEvent(approval, respond(approval, { callId, approved: false }, clock));
    expect(() => respond(decided, { callId, approved: true }, clock)).toThrow(NotPendingError);
    expect(() => respond(decided, { callId, approved: true }, clock)).toThrow(
      /not waiting on any call/,
    );
  });

  it("refuses a call id the thread is not waiting on", () => {
    expect(() => respond(approval, { callId: "call_99", approved: true }, clock)).toThrow(
      /waiting on call call_1, not call_99/,
    );
  });

  it("refuses the wrong kind of answer", () => {
    const approvalId = derivePending(approval.events)?.callId ?? "";
    const questionId = derivePending(question.events)?.callId ?? "";
    expect(() => respond(approval, { callId: approvalId, response: "yes" }, clock)).toThrow(
      /waits for an approval, not a response/,
    );
    expect(() => respond(question, { callId: questionId, approved: true }, clock)).toThrow(
      /waits for a response, not an approval/,
    );
  });

  it("answers a pending question", () => {
    const callId = derivePending(question.events)?.callId ?? "";
    const event = respond(question, { callId, response: "8 and 2" }, clock);
    expect(deriveStatus([...question.events, event])).toBe("running");
  });
});

describe("Function: repeatsAnswer", () => {
  let approval: Thread;
  let question: Thread;
  beforeAll(async () => {
    approval = await waitingFor("divide");
    question = await waitingFor("request_more_information");
  });

  it("recognises the same decision sent again (a client retrying), and only that", () => {
    const pending = derivePending(approval.events);
    const callId = pending?.callId ?? "";
    const reply = { callId, approved: true, comment: "ok" };
    expect(repeatsAnswer(approval, reply)).toBe(false);
    const decided = withEvent(approval, respond(approval, reply, clock));
    expect(repeatsAnswer(decided, reply)).toBe(true);
    expect(repeatsAnswer(decided, { ...reply, argsHash: pending?.argsHash ?? "" })).toBe(true);
    // Another decision, another comment, other arguments, another call, another kind: a conflict.
    expect(repeatsAnswer(decided, { ...reply, approved: false })).toBe(false);
    expect(repeatsAnswer(decided, { callId, approved: true })).toBe(false);
    expect(repeatsAnswer(decided, { ...reply, argsHash: hashArgs({ a: 1, b: 1 }) })).toBe(false);
    expect(repeatsAnswer(decided, { ...reply, callId: "call_99" })).toBe(false);
    expect(repeatsAnswer(decided, { callId, response: "ok" })).toBe(false);
  });

  it("recognises the same human response sent again, not another text", () => {
    const callId = derivePending(question.events)?.callId ?? "";
    const answered = withEvent(question, respond(question, { callId, response: "8 and 2" }, clock));
    expect(repeatsAnswer(answered, { callId, response: "8 and 2" })).toBe(true);
    expect(repeatsAnswer(answered, { callId, response: "8 and 3" })).toBe(false);
    expect(repeatsAnswer(answered, { callId, approved: true })).toBe(false);
  });
});

describe("Function: fork", () => {
  it("copies the events up to a version into a new thread, leaving the original alone", async () => {
    const thread = await waitingFor("divide");
    const copy = fork(thread, { version: 1, threadId: "thr_2", clock });
    expect(copy).toEqual({
      id: "thr_2",
      agent: "calculator",
      events: thread.events.slice(0, 1),
      forkedFrom: { threadId: thread.id, version: 1 },
    });
    expect(deriveStatus(copy.events)).toBe("running");
    expect(deriveStatus(thread.events)).toBe("waiting_for_approval");
  });

  it("refuses a version the thread never had", async () => {
    const thread = await waitingFor("divide");
    for (const version of [0, thread.events.length + 1, 1.5]) {
      expect(() => fork(thread, { version, threadId: "thr_2", clock })).toThrow(
        InvalidVersionError,
      );
    }
  });
});
