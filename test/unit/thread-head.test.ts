import { describe, expect, it } from "vitest";
import { launch, respond } from "../../shared/core/lifecycle.ts";
import { headAfter, step } from "../../shared/core/step.ts";
import { deriveHead, derivePending, type Thread } from "../../shared/core/thread.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { call, invalid, ScriptedModel, steppingClock } from "../../shared/testing/index.ts";

/** Steps `thread` until it stops continuing, checking every step's head and pause. */
async function stepAndCheck(thread: Thread, model: ScriptedModel, clock = steppingClock()) {
  let current = thread;
  for (;;) {
    const result = await step(current, { agent: calculator, model, clock });
    const all = [...current.events, ...result.events];

    // Assess: what the step hands the store is what the whole thread derives
    expect(headAfter(result)).toEqual(deriveHead(all));
    if (result.next.type === "pause") expect(result.next.pending).toEqual(derivePending(all));

    current = { ...current, events: all };
    if (result.next.type !== "continue") return { thread: current, next: result.next };
  }
}

const start = (message: string) =>
  launch({ agent: calculator, threadId: "thr_head", message, clock: steppingClock() });

describe("Function: headAfter", () => {
  it("gives the head the thread derives, through sync calls, approval, answer and done", async () => {
    // Prepare
    const model = new ScriptedModel([
      call("add", { a: 3, b: 4 }),
      call("divide", { a: 7, b: 2 }),
      call("done_for_now", { message: "3.5" }),
    ]);

    // Act
    const paused = await stepAndCheck(start("(3 + 4) / 2"), model);
    const pending = derivePending(paused.thread.events);
    const approval = respond(
      paused.thread,
      { callId: pending?.callId ?? "", approved: true },
      steppingClock(),
    );
    const done = await stepAndCheck(
      { ...paused.thread, events: [...paused.thread.events, approval] },
      model,
    );

    // Assess
    expect(paused.next).toMatchObject({ type: "pause", status: "waiting_for_approval" });
    expect(done.next).toEqual({ type: "done", output: "3.5" });
    model.assertDone();
  });

  it("gives the head the thread derives when it asks a person or escalates", async () => {
    // Prepare
    const asks = new ScriptedModel([call("request_more_information", { message: "which?" })]);
    const fails = new ScriptedModel([invalid("no call"), invalid("no call"), invalid("no call")]);

    // Act
    const asked = await stepAndCheck(start("hm"), asks);
    const escalated = await stepAndCheck(start("hm"), fails);

    // Assess
    expect(asked.next).toMatchObject({ type: "pause", status: "waiting_for_human" });
    expect(escalated.next).toMatchObject({
      type: "pause",
      pending: { tool: "escalation", kind: "escalation" },
    });
  });

  it("refuses a step that appends nothing: the head stays as it was", () => {
    expect(() => headAfter({ events: [], next: { type: "continue" } })).toThrow(TypeError);
  });
});

describe("Function: deriveHead", () => {
  it("is the status and the time of the last event, as written", () => {
    // Prepare
    const thread = start("1 + 1");
    const done = {
      type: "done" as const,
      at: "2026-03-01T10:00:00Z",
      data: { callId: "c", output: "2" },
    };

    // Act
    const head = deriveHead([...thread.events, done]);

    // Assess
    expect(head).toEqual({ status: "done", updatedAt: "2026-03-01T10:00:00Z" });
    expect(() => deriveHead([])).toThrow(TypeError);
  });
});
