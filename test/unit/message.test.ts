import { describe, expect, it } from "vitest";
import {
  ApprovalPendingError,
  ThreadBusyError,
  ThreadClosedError,
} from "../../shared/core/errors.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { ifRunningPolicies, message } from "../../shared/core/message.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import { call, ScriptedModel } from "../../shared/testing/index.ts";

describe("Function: createRunner (Method: message)", () => {
  it("opens the next turn of a done thread, whose step cap counts from it", async () => {
    // Prepare
    const model = new ScriptedModel([
      call("add", { a: 3, b: 4 }),
      call("done_for_now", { message: "7" }),
      (request) => {
        const context = request.messages.at(-1)?.content ?? "";
        expect(context).toContain("<user_message>\nAnd times 2?\n</user_message>");
        return call("multiply", { a: 7, b: 2 });
      },
      call("done_for_now", { message: "14" }),
    ]);
    const runner = createRunner({ agents: [calculator], model });
    const first = await runner.launch("calculator", "What is 3 + 4?");
    expect(first).toMatchObject({ status: "done", output: "7" });

    // Act
    const second = await runner.message(first.threadId, "And times 2?");

    // Assess
    expect(second).toMatchObject({ status: "done", output: "14" });
    expect(second.events.filter((e) => e.type === "user_message")).toHaveLength(2);
    model.assertDone();
  });

  it("answers a pending question", async () => {
    const model = new ScriptedModel([
      call("request_more_information", { message: "Which numbers?" }),
      call("add", { a: 1, b: 2 }),
      call("done_for_now", { message: "3" }),
    ]);
    const runner = createRunner({ agents: [calculator], model });
    const asked = await runner.launch("calculator", "add something");
    const done = await runner.message(asked.threadId, "1 and 2");
    expect(done).toMatchObject({ status: "done", output: "3" });
    expect(done.events.find((e) => e.type === "human_response")).toMatchObject({
      data: { callId: asked.pending?.callId, response: "1 and 2" },
    });
  });

  it("refuses a thread waiting for a decision, a cancelled one, and changes neither", async () => {
    const model = new ScriptedModel([call("divide", { a: 1, b: 2 })]);
    const runner = createRunner({ agents: [calculator], model });
    const waiting = await runner.launch("calculator", "1 / 2");
    const refused = runner.message(waiting.threadId, "hurry up");
    await expect(refused).rejects.toThrow(ApprovalPendingError);
    await expect(refused).rejects.toMatchObject({ callId: waiting.pending?.callId });
    expect((await runner.get(waiting.threadId)).events).toHaveLength(waiting.events.length);
    const cancelled = await runner.cancel(waiting.threadId);
    await expect(runner.message(waiting.threadId, "hello?")).rejects.toThrow(ThreadClosedError);
    expect((await runner.get(waiting.threadId)).events).toHaveLength(cancelled.events.length);
  });
});

describe("Class: ThreadBusyError", () => {
  it("carries the thread_busy code a running thread answers with", () => {
    expect(new ThreadBusyError("t", "busy")).toMatchObject({
      code: "thread_busy",
      retryable: false,
    });
  });
});

describe("Function: message", () => {
  const clock = { now: () => new Date("2026-12-01T10:00:00.000Z") };
  const at = "2026-12-01T09:00:00.000Z";
  const running = {
    id: "t",
    agent: "calculator",
    events: [{ type: "user_message", at, data: { message: "1 + 1" } }] as ThreadEvent[],
  };

  it("follows ifRunning on a running thread: queue, interrupt now, or refuse naming it", () => {
    expect(message(running, { message: "hi", ifRunning: "enqueue" }, clock)).toEqual({
      type: "enqueue",
    });
    expect(message(running, { message: "hi", ifRunning: "interrupt" }, clock)).toEqual({
      type: "append",
      event: { type: "user_message", at: "2026-12-01T10:00:00.000Z", data: { message: "hi" } },
    });
    const reject = () => message(running, { message: "hi", ifRunning: "reject" }, clock);
    expect(reject).toThrow(ThreadBusyError);
    expect(reject).toThrow("thread t is running a step (ifRunning reject)");
  });

  it("refuses a failed thread, and turns a done one into a user message at the clock's time", () => {
    const failed = {
      ...running,
      events: [...running.events, { type: "failed", at, data: { reason: "x" } }] as ThreadEvent[],
    };
    for (const ifRunning of ifRunningPolicies) {
      expect(() => message(failed, { message: "hi", ifRunning }, clock)).toThrow(
        "thread t is failed",
      );
    }
    const done = {
      ...running,
      events: [
        ...running.events,
        { type: "done", at, data: { callId: "call_1", output: "2" } },
      ] as ThreadEvent[],
    };
    expect(message(done, { message: "and 3?", ifRunning: "reject" }, clock)).toEqual({
      type: "append",
      event: { type: "user_message", at: "2026-12-01T10:00:00.000Z", data: { message: "and 3?" } },
    });
  });
});
