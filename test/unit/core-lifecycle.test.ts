import { describe, expect, it } from "vitest";
import { InvalidVersionError, NotPendingError } from "../../shared/core/errors.ts";
import { canonicalJson, hashArgs } from "../../shared/core/hash.ts";
import { fork, launch, respond } from "../../shared/core/lifecycle.ts";
import type { Thread } from "../../shared/core/thread.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { steppingClock } from "../../shared/testing/index.ts";

const clock = steppingClock();
const at = "2026-01-01T00:00:00.000Z";

/** A calculator thread that waits for approval of `divide(8, 2)` as call_1. */
const waiting: Thread = {
  id: "thr_1",
  agent: "calculator",
  events: [
    { type: "user_message", at, data: { message: "8 / 2" } },
    {
      type: "tool_call",
      at,
      data: { callId: "call_1", tool: "divide", args: { a: 8, b: 2 }, source: "model" },
    },
    {
      type: "approval_requested",
      at,
      data: { callId: "call_1", tool: "divide", args: { a: 8, b: 2 }, argsHash: "h" },
    },
  ],
};

describe("Function: launch", () => {
  it("starts a thread without metadata when none is given", () => {
    // Act
    const thread = launch({ agent: calculator, threadId: "thr_9", message: "hi", clock });

    // Assess
    expect(thread.events[0]?.data).toStrictEqual({ message: "hi" });
  });
});

describe("Function: respond", () => {
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

describe("Function: fork", () => {
  it("copies a whole thread at its last version", () => {
    // Act
    const copy = fork(waiting, { version: 3, threadId: "thr_2" });

    // Assess
    expect(copy).toEqual({
      id: "thr_2",
      agent: "calculator",
      events: waiting.events,
      forkedFrom: { threadId: waiting.id, version: 3 },
    });
  });

  it("says which versions the thread has", () => {
    expect(() => fork(waiting, { version: 4, threadId: "thr_2" })).toThrow(
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
