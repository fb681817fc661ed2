import { describe, expect, it } from "vitest";
import { launch } from "../../shared/core/lifecycle.ts";
import type { StepMessage } from "../../shared/core/ports.ts";
import { deriveHead } from "../../shared/core/thread.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { reconcile } from "../../shared/runtime/reconcile.ts";
import { MemoryThreadStore } from "../../shared/testing/index.ts";

const at = (iso: string) => ({ now: () => new Date(iso) });

describe("Function: reconcile", () => {
  it("re-enqueues running threads that have not moved, and nothing else", async () => {
    // Prepare
    const store = new MemoryThreadStore();
    const sent: StepMessage[] = [];
    const queue = { enqueue: async (message: StepMessage) => void sent.push(message) };
    const old = launch({
      agent: calculator,
      threadId: "old",
      message: "1 + 1",
      clock: at("2026-01-01T00:00:00Z"),
    });
    const fresh = launch({
      agent: calculator,
      threadId: "fresh",
      message: "1 + 1",
      clock: at("2026-01-01T00:09:30Z"),
    });
    const done = launch({
      agent: calculator,
      threadId: "done",
      message: "1 + 1",
      clock: at("2026-01-01T00:00:00Z"),
    });
    for (const thread of [old, fresh, done]) {
      await store.create({ thread, head: deriveHead(thread.events) });
    }
    await store.append(
      done,
      [{ type: "done", at: "2026-01-01T00:00:01.000Z", data: { callId: "c", output: "2" } }],
      { status: "done", updatedAt: "2026-01-01T00:00:01.000Z" },
    );

    // Act
    const result = await reconcile(
      { store, queue, clock: at("2026-01-01T00:10:00Z") },
      { staleAfterMs: 60_000 },
    );

    // Assess
    expect(result).toEqual({ checked: 2, enqueued: 1 });
    expect(sent).toEqual([{ threadId: "old", version: 1 }]);
  });
});
