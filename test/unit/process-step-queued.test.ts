import { describe, expect, it } from "vitest";
import { launch } from "../../shared/core/lifecycle.ts";
import type { Model, StepMessage, ThreadStore } from "../../shared/core/ports.ts";
import { deriveHead } from "../../shared/core/thread.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { DemoModel } from "../../shared/examples/demo-model.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { processStep } from "../../shared/runtime/process-step.ts";
import { MemoryThreadStore, steppingClock } from "../../shared/testing/index.ts";
import { beforeAppend } from "../support/append-hook.ts";

/** A store on which a person queues `text` right before the first append (the step in flight). */
function queuesBeforeFirstAppend(store: ThreadStore, text: string, at: string): ThreadStore {
  let first = true;
  return beforeAppend(store, async (read) => {
    if (!first) return;
    first = false;
    const now = await store.load(read.id);
    if (now) await store.queueMessage(now, { message: text, at });
  });
}

describe("Function: processStep with a message queued while the step is in flight", () => {
  it("re-appends the same events with the message, without calling the model again", async () => {
    // Prepare
    const clock = steppingClock();
    const memory = new MemoryThreadStore();
    const sent: StepMessage[] = [];
    const inner = new DemoModel();
    let calls = 0;
    const model: Model = {
      next: (request) => {
        calls++;
        return inner.next(request);
      },
    };
    const thread = launch({ agent: calculator, threadId: "t1", message: "What is 3 + 4?", clock });
    await memory.create({ thread, head: deriveHead(thread.events) });
    const at = clock.now().toISOString();
    const deps: RuntimeDeps = {
      agents: new Map([[calculator.name, calculator]]),
      store: queuesBeforeFirstAppend(memory, "And 7 * 2?", at),
      queue: { enqueue: async (message) => void sent.push(message) },
      notifier: { threadWaiting: async () => {} },
      model,
      clock,
      ids: { threadId: () => "t1" },
      threadLink: (id) => `https://twelve.test/threads/${id}`,
    };

    // Act
    const outcome = await processStep(deps, { threadId: "t1", version: 1 });

    // Assess: one model call; its tool call saved, then the message; the next step owed
    const saved = await memory.load("t1");
    expect([outcome, calls]).toEqual(["stepped_delivered", 1]);
    expect(saved?.events.map((event) => event.type)).toEqual([
      "user_message",
      "tool_call",
      "user_message",
    ]);
    expect(saved?.events[2]).toEqual({ type: "user_message", at, data: { message: "And 7 * 2?" } });
    expect(saved?.queued).toBeUndefined();
    expect(sent).toEqual([{ threadId: "t1", version: 3 }]);
  });
});
