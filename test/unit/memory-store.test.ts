import { describe, expect, it } from "vitest";
import { launch } from "../../shared/core/lifecycle.ts";
import { deriveHead } from "../../shared/core/thread.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { MemoryThreadStore, steppingClock } from "../../shared/testing/index.ts";

// What every store promises is in test/contract/thread-store.contract.ts (run by
// thread-store-contract.test.ts); this file holds what only the in-memory store adds.

const done = {
  type: "done" as const,
  at: "2026-02-01T00:00:00.000Z",
  data: { callId: "c", output: "ok" },
};

describe("Class: MemoryThreadStore", () => {
  describe("Method: append", () => {
    it("leaves a thread it returned as it was: threads are values, shared safely", async () => {
      // Prepare
      const store = new MemoryThreadStore();
      const thread = launch({
        agent: calculator,
        threadId: "a",
        message: "hi",
        clock: steppingClock(),
      });
      const { thread: read } = await store.create({ thread, head: deriveHead(thread.events) });
      const loaded = await store.load("a");

      // Act
      const appended = await store.append(read, [done], deriveHead([...read.events, done]));

      // Assess
      expect(read.events).toHaveLength(1);
      expect(loaded?.events).toHaveLength(1);
      expect(appended.events).toHaveLength(2);
      expect(await store.load("a")).toBe(appended);
    });
  });
});
