import { describe, expect, it } from "vitest";
import { VersionConflictError } from "../../shared/core/errors.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { MemoryThreadStore, steppingClock } from "../../shared/testing/index.ts";

const clock = steppingClock();
const thread = (id: string) => launch({ agent: calculator, threadId: id, message: "hi", clock });
const done = {
  type: "done" as const,
  at: "2026-02-01T00:00:00.000Z",
  data: { callId: "c", output: "ok" },
};

describe("Class: MemoryThreadStore", () => {
  describe("Method: create", () => {
    it("returns the first thread for a repeated idempotency key", async () => {
      const store = new MemoryThreadStore();
      const first = await store.create({ thread: thread("a"), idempotencyKey: "k" });
      const second = await store.create({ thread: thread("b"), idempotencyKey: "k" });
      expect(first.created).toBe(true);
      expect(second).toEqual({ thread: first.thread, created: false });
      expect(await store.load("b")).toBeUndefined();
    });
  });

  describe("Method: append", () => {
    it("appends at the version read, and refuses a writer that lost the race", async () => {
      const store = new MemoryThreadStore();
      const { thread: read } = await store.create({ thread: thread("a") });
      await store.append(read, [done]);
      await expect(store.append(read, [done])).rejects.toThrow(VersionConflictError);
      expect((await store.load("a"))?.events).toHaveLength(2);
    });
  });

  describe("Method: list", () => {
    it("lists by status and agent, newest first, in pages", async () => {
      const store = new MemoryThreadStore();
      for (const id of ["a", "b", "c"]) await store.create({ thread: thread(id) });
      const { thread: c } = await store.create({ thread: thread("d") });
      await store.append(c, [done]);
      const page1 = await store.list({ status: "running", limit: 2 });
      expect(page1.threads.map((t) => t.threadId)).toEqual(["c", "b"]);
      const page2 = await store.list({ status: "running", limit: 2, cursor: page1.next ?? "" });
      expect(page2).toEqual({ threads: [expect.objectContaining({ threadId: "a" })] });
      expect((await store.list({ status: "done" })).threads).toEqual([
        { threadId: "d", agent: "calculator", status: "done", updatedAt: done.at },
      ]);
      expect((await store.list({ status: "running", agent: "deploybot" })).threads).toEqual([]);
    });
  });
});
