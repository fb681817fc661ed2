import { beforeAll, describe, expect, it } from "vitest";
import {
  canonicalJson,
  deriveDanglingCall,
  derivePending,
  deriveStatus,
  fork,
  hashArgs,
  InvalidVersionError,
  launch,
  NotPendingError,
  respond,
  type Thread,
  ThreadClosedError,
} from "../../shared/core/index.ts";
import { repeatsAnswer } from "../../shared/core/lifecycle.ts";
import { calculator } from "../../shared/examples/agents.ts";
import {
  approvalDecision,
  approvalRequested,
  call,
  cancelled,
  ScriptedModel,
  steppingClock,
  toolCall,
  toolResult,
  userMessage,
} from "../../shared/testing/index.ts";
import { runUntilIdle, withEvent } from "../support/run.ts";

const clock = steppingClock();

async function waitingFor(tool: "divide" | "request_more_information"): Promise<Thread> {
  const args = tool === "divide" ? { a: 8, b: 2 } : { message: "which numbers?" };
  const model = new ScriptedModel([call(tool, args)]);
  const thread = launch({ agent: calculator, threadId: "thr_1", message: "8 / 2", clock });
  return (await runUntilIdle(thread, { agent: calculator, model, clock })).thread;
}
const alice = { principal: "alice", via: "api" };
const bob = { principal: "bob", via: "console" };

/** A calculator thread that waits for approval of `divide(8, 2)` as call_1. */
const waiting: Thread = {
  id: "thr_1",
  agent: "calculator",
  events: [
    userMessage("8 / 2"),
    toolCall("call_1", "divide", { a: 8, b: 2 }),
    approvalRequested("call_1", "divide", { a: 8, b: 2 }, { argsHash: "h" }),
  ],
};

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
      userMessage("hi", { at: expect.any(String), metadata: { ticket: 7 } }),
    ]);
    expect(deriveStatus(thread.events)).toBe("running");
  });

  it("starts a thread without metadata when none is given", () => {
    // Act
    const thread = launch({ agent: calculator, threadId: "thr_9", message: "hi", clock });

    // Assess
    expect(thread.events[0]?.data).toStrictEqual({ message: "hi" });
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

  it("records an approval without a comment as just the decision", () => {
    // Act
    const event = respond(waiting, { callId: "call_1", approved: true }, clock);

    // Assess
    expect(event.data).toStrictEqual({ callId: "call_1", approved: true });
  });

  it("keeps the approver's comment, an empty one too", () => {
    expect(
      respond(waiting, { callId: "call_1", approved: false, comment: "" }, clock).data,
    ).toEqual({ callId: "call_1", approved: false, comment: "" });
  });

  it("refuses an answer on a cancelled thread as closed, not as nothing pending", () => {
    const closed: Thread = {
      ...waiting,
      events: [...waiting.events, cancelled()],
    };
    expect(() => respond(closed, { callId: "call_1", approved: true }, clock)).toThrow(
      new ThreadClosedError(
        "thr_1",
        "cancelled",
        "thread thr_1 is cancelled: call call_1 can no longer be answered",
      ),
    );
  });

  it("takes a fresh decision for a call a fork asked again, not the source's as a repeat", () => {
    const decided: Thread = {
      ...waiting,
      events: [...waiting.events, approvalDecision("call_1", true)],
    };
    const copy = fork(decided, { version: 4, threadId: "thr_2", clock });
    expect(repeatsAnswer(decided, { callId: "call_1", approved: true })).toBe(true);
    expect(repeatsAnswer(copy, { callId: "call_1", approved: true })).toBe(false);
    expect(respond(copy, { callId: "call_1", approved: true }, clock).type).toBe(
      "approval_decision",
    );
  });

  it("names the thread and the call in the error it throws", () => {
    // Act
    let error: unknown;
    try {
      respond(waiting, { callId: "call_7", approved: true }, clock);
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(NotPendingError);
    expect(error).toMatchObject({ threadId: "thr_1", callId: "call_7" });
  });

  it("dates the answer by the clock", () => {
    const event = respond(
      waiting,
      { callId: "call_1", approved: true },
      { now: () => new Date("2026-02-03T04:05:06.000Z") },
    );
    expect(event.at).toBe("2026-02-03T04:05:06.000Z");
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

  const forkedAt = "2026-03-04T05:06:07.000Z";
  const forkClock = { now: () => new Date(forkedAt) };
  const approved: Thread = {
    ...waiting,
    events: [...waiting.events, approvalDecision("call_1", true, { by: alice })],
  };

  it("copies a running thread's events up to a version", () => {
    // Act
    const copy = fork(waiting, { version: 1, threadId: "thr_2", clock: forkClock });

    // Assess
    expect(copy).toEqual({
      id: "thr_2",
      agent: "calculator",
      events: waiting.events.slice(0, 1),
      forkedFrom: { threadId: waiting.id, version: 1 },
    });
  });

  it("asks again for a pending approval, dated by the fork's clock", () => {
    // Act
    const copy = fork(waiting, { version: 3, threadId: "thr_2", clock: forkClock });

    // Assess
    expect(copy.events).toEqual([...waiting.events, { ...waiting.events[2], at: forkedAt }]);
    expect(copy.forkedFrom).toEqual({ threadId: waiting.id, version: 3 });
    expect(derivePending(copy.events)).toMatchObject({ kind: "approval", callId: "call_1" });
  });

  it("never inherits an approval whose tool has not run: the fork asks again", () => {
    // Act
    const copy = fork(approved, { version: 4, threadId: "thr_2", by: bob, clock: forkClock });

    // Assess
    expect(deriveDanglingCall(copy.events)).toBeNull();
    expect(deriveStatus(copy.events)).toBe("waiting_for_approval");
    expect(copy.events.at(-1)).toEqual({ ...waiting.events[2], at: forkedAt, by: bob });
  });

  it("keeps an approval whose result is in the copy: nothing is asked again", () => {
    const ran: Thread = {
      ...approved,
      events: [...approved.events, toolResult("call_1", "divide", 4)],
    };
    expect(fork(ran, { version: 5, threadId: "thr_2", clock: forkClock }).events).toEqual(
      ran.events,
    );
  });

  it("refuses a version at or after a cancellation, and forks from before it", () => {
    const closed: Thread = {
      ...waiting,
      events: [...waiting.events, cancelled()],
    };
    expect(() => fork(closed, { version: 4, threadId: "thr_2", clock: forkClock })).toThrow(
      new ThreadClosedError(
        "thr_1",
        "cancelled",
        "thread thr_1 was cancelled at version 4: fork it at version 3 or earlier",
      ),
    );
    expect(
      deriveStatus(fork(closed, { version: 3, threadId: "thr_2", clock: forkClock }).events),
    ).toBe("waiting_for_approval");
  });

  it("says which versions the thread has", () => {
    expect(() => fork(waiting, { version: 4, threadId: "thr_2", clock: forkClock })).toThrow(
      new InvalidVersionError("cannot fork thread thr_1 at version 4: it has versions 1..3"),
    );
  });
});

describe("Function: hashArgs", () => {
  it("binds an approval to the arguments, whatever the order of their keys", () => {
    expect(hashArgs({ a: 8, b: { y: 1, x: 2 } })).toBe(hashArgs({ b: { x: 2, y: 1 }, a: 8 }));
    expect(hashArgs({ a: 8, b: 2 })).not.toBe(hashArgs({ a: 8, b: 4 }));
    expect(hashArgs({ a: 8, b: 2 })).toMatch(/^[0-9a-f]{64}$/);
  });

  it("tells lists in another order apart", () => {
    expect(hashArgs({ tags: ["v1", "v2"] })).not.toBe(hashArgs({ tags: ["v2", "v1"] }));
  });

  it("hashes missing arguments like null", () => {
    expect(hashArgs(undefined)).toBe(hashArgs(null));
  });
});

describe("Function: canonicalJson", () => {
  it("sorts object keys at every depth and leaves lists as lists", () => {
    // Prepare
    const args: unknown = { b: [{ d: 1, c: 2 }, 3], a: null };

    // Act + Assess
    expect(canonicalJson(args)).toBe('{"a":null,"b":[{"c":2,"d":1},3]}');
  });
});
