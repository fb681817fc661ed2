import { describe, expect, it } from "vitest";
import { NotPendingError } from "../../shared/core/errors.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { launch, respond } from "../../shared/core/lifecycle.ts";
import {
  answerKindOf,
  derivePending,
  type PendingKind,
  pendingKinds,
  type Thread,
} from "../../shared/core/thread.ts";
import { calculator } from "../../shared/examples/agents.ts";

const clock = { now: () => new Date("2026-01-01T00:00:00Z") };
const at = "2026-01-01T00:00:01.000Z";

/** The event that pauses a thread on call `c1` of each kind. */
const pauseOn = {
  approval: {
    type: "approval_requested",
    at,
    data: { callId: "c1", tool: "deploy", args: { env: "prod" }, argsHash: "h" },
  },
  human_input: {
    type: "human_input_requested",
    at,
    data: { callId: "c1", tool: "ask", args: {}, message: "which env?", reason: "tool" },
  },
  escalation: {
    type: "human_input_requested",
    at,
    data: { callId: "c1", tool: "escalate", args: {}, message: "stuck", reason: "max_steps" },
  },
} satisfies Record<PendingKind, ThreadEvent>;

function pausedOn(kind: PendingKind): Thread {
  const thread = launch({ agent: calculator, threadId: "t1", message: "go", clock });
  return { ...thread, events: [...thread.events, pauseOn[kind]] };
}

describe("Table: answerKindOf", () => {
  it.each(pendingKinds)("a call of kind %s takes the answer its table says, only that", (kind) => {
    // Prepare
    const thread = pausedOn(kind);
    const decision = { callId: "c1", approved: true };
    const response = { callId: "c1", response: "staging" };
    const [right, wrong] =
      answerKindOf[kind] === "decision" ? [decision, response] : [response, decision];

    // Act + Assess
    expect(derivePending(thread.events)?.kind).toBe(kind);
    expect(respond(thread, right, clock).type).toBe(
      answerKindOf[kind] === "decision" ? "approval_decision" : "human_response",
    );
    expect(() => respond(thread, wrong, clock)).toThrow(NotPendingError);
  });

  it("asks for a decision on approvals only", () => {
    expect(answerKindOf).toEqual({
      approval: "decision",
      human_input: "response",
      escalation: "response",
    });
  });
});
