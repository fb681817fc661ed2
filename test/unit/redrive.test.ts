import { describe, expect, it } from "vitest";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import type { DeadLetter, StepMessage } from "../../shared/core/ports.ts";
import { deriveHead, deriveStatus } from "../../shared/core/thread.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { MemoryThreadStore } from "../../shared/runtime/memory-store.ts";
import { redriveDeadLetters } from "../../shared/runtime/redrive.ts";

const clock = { now: () => new Date("2026-01-01T00:00:00Z") };

/** A dead-letter queue in memory: a batch per receive, dropped letters recorded. */
function deadLetterQueue(batches: DeadLetter[][]) {
  return { receive: async () => batches.shift() ?? [] };
}

describe("Function: redriveDeadLetters", () => {
  it("retries a failed thread, re-sends a queued message, skips the rest and leaves unreadable ones", async () => {
    // Prepare
    const store = new MemoryThreadStore();
    const sent: StepMessage[] = [];
    const queue = { enqueue: async (message: StepMessage) => void sent.push(message) };
    for (const id of ["failed", "running"]) {
      const thread = launch({ agent: calculator, threadId: id, message: "1 + 1", clock });
      await store.create({ thread, head: deriveHead(thread.events) });
    }
    const failing = await store.load("failed");
    if (!failing) throw new Error("no thread");
    const failed: ThreadEvent = {
      type: "failed",
      at: "2026-01-01T00:00:01.000Z",
      data: { reason: "model bug" },
    };
    await store.append(failing, [failed], deriveHead([...failing.events, failed]));
    const dropped: string[] = [];
    const letter = (id: string, step: StepMessage): DeadLetter => ({
      id,
      step,
      drop: async () => void dropped.push(id),
    });
    const queued = {
      threadId: "running",
      version: 1,
      queued: { message: "and 2 + 2?", at: "2026-01-01T00:00:02.000Z" },
    };
    const log: string[] = [];

    // Act
    const counts = await redriveDeadLetters({
      deadLetters: deadLetterQueue([
        [letter("m1", { threadId: "failed", version: 2 }), { id: "m2", unreadable: "not JSON" }],
        [letter("m3", { threadId: "running", version: 1 }), letter("m4", queued)],
        [letter("m5", { threadId: "gone", version: 1 })],
      ]),
      deps: { store, queue, clock },
      log: (line) => log.push(line),
    });

    // Assess
    expect(counts).toEqual({ retried: 2, skipped: 2, unreadable: 1 });
    expect(dropped).toEqual(["m1", "m3", "m4", "m5"]);
    const retried = await store.load("failed");
    expect(retried?.events.at(-1)).toMatchObject({
      type: "retry_requested",
      data: { reason: "redriven from the dead-letter queue" },
    });
    expect(deriveStatus(retried?.events ?? [])).toBe("running");
    expect(sent).toEqual([{ threadId: "failed", version: 3 }, queued]);
    expect(log).toEqual([
      "failed (step 2): retried",
      "left unreadable message m2 in the queue: not JSON",
      "running (step 1): not_failed",
      "running (queued message): sent again",
      "gone (step 1): not_found",
    ]);
  });

  it("sends a cancelled thread's dead step again, for the worker to record the call it owed", async () => {
    // Prepare: every delivery of the step died; the thread was cancelled meanwhile
    const store = new MemoryThreadStore();
    const sent: StepMessage[] = [];
    const queue = { enqueue: async (message: StepMessage) => void sent.push(message) };
    const thread = launch({ agent: calculator, threadId: "stopped", message: "1 + 1", clock });
    await store.create({ thread, head: deriveHead(thread.events) });
    const cancelled: ThreadEvent = {
      type: "cancelled",
      at: "2026-01-01T00:00:01.000Z",
      data: { reason: "withdrawn" },
    };
    await store.append(thread, [cancelled], deriveHead([...thread.events, cancelled]));
    const log: string[] = [];

    // Act
    const counts = await redriveDeadLetters({
      deadLetters: deadLetterQueue([
        [{ id: "m1", step: { threadId: "stopped", version: 1 }, drop: async () => {} }],
      ]),
      deps: { store, queue, clock },
      log: (line) => log.push(line),
    });

    // Assess: sent as it was, nothing appended
    expect(counts).toEqual({ retried: 1, skipped: 0, unreadable: 0 });
    expect(sent).toEqual([{ threadId: "stopped", version: 1 }]);
    expect((await store.load("stopped"))?.events).toHaveLength(2);
    expect(log).toEqual(["stopped (step 1): sent again to its cancelled thread"]);
  });
});
