import { describe, expect, it } from "vitest";
import { cancel } from "../../shared/core/cancel.ts";
import { ThreadClosedError } from "../../shared/core/errors.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import { step } from "../../shared/core/step.ts";
import { derivePending, deriveStatus } from "../../shared/core/thread.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import { call, ScriptedModel, steppingClock } from "../../shared/testing/index.ts";

const clock = steppingClock();

describe("Function: cancel", () => {
  it("ends a running thread, and a second cancel changes nothing", () => {
    const thread = launch({ agent: calculator, threadId: "t", message: "1 + 1", clock });
    const event = cancel(thread, { reason: "changed my mind" }, clock);
    expect(event).toMatchObject({ type: "cancelled", data: { reason: "changed my mind" } });
    const cancelled = { ...thread, events: [...thread.events, event as NonNullable<typeof event>] };
    expect(deriveStatus(cancelled.events)).toBe("cancelled");
    expect(cancel(cancelled, {}, clock)).toBeNull();
  });

  it("refuses a done thread with ThreadClosedError", () => {
    const thread = launch({ agent: calculator, threadId: "t", message: "hi", clock });
    const done = {
      ...thread,
      events: [
        ...thread.events,
        {
          type: "done",
          at: clock.now().toISOString(),
          data: { callId: "call_1", output: "x" },
        } as const,
      ],
    };
    expect(() => cancel(done, {}, clock)).toThrow(ThreadClosedError);
    expect(() => cancel(done, {}, clock)).toThrow("thread t is done: nothing to cancel");
  });

  it("closes the pending call, and the reducer does nothing more", async () => {
    const model = new ScriptedModel([call("divide", { a: 1, b: 2 })]);
    const thread = launch({ agent: calculator, threadId: "t", message: "1 / 2", clock });
    const paused = await step(thread, { agent: calculator, model, clock });
    const waiting = { ...thread, events: [...thread.events, ...paused.events] };
    expect(derivePending(waiting.events)?.tool).toBe("divide");
    const event = cancel(waiting, {}, clock) as NonNullable<ReturnType<typeof cancel>>;
    const cancelled = { ...waiting, events: [...waiting.events, event] };
    expect(derivePending(cancelled.events)).toBeNull();
    expect(await step(cancelled, { agent: calculator, model, clock })).toEqual({
      events: [],
      next: { type: "cancelled" },
    });
  });
});

describe("Function: createRunner (Method: cancel)", () => {
  it("cancels a thread waiting for approval; a later decision finds it closed", async () => {
    const model = new ScriptedModel([call("divide", { a: 1, b: 2 })]);
    const runner = createRunner({ agents: [calculator], model });
    const paused = await runner.launch("calculator", "1 / 2");
    const cancelled = await runner.cancel(paused.threadId, { reason: "no longer needed" });
    expect(cancelled).toMatchObject({ status: "cancelled", pending: null });
    expect(cancelled.events.at(-1)).toMatchObject({ type: "cancelled" });
    await expect(
      runner.respond(paused.threadId, { callId: paused.pending?.callId ?? "", approved: true }),
    ).rejects.toThrow(ThreadClosedError);
    expect((await runner.cancel(paused.threadId)).events).toHaveLength(cancelled.events.length);
  });
});
