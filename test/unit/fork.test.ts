import { describe, expect, it } from "vitest";
import { InvalidVersionError, ThreadClosedError } from "../../shared/core/errors.ts";
import type { ThreadWaitingNotice } from "../../shared/core/ports.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import { call, MemoryThreadStore, ScriptedModel } from "../../shared/testing/index.ts";

describe("Function: createRunner (Method: fork)", () => {
  it("forks at a pending approval: the fork waits on that call, and each thread goes its way", async () => {
    // Prepare
    const store = new MemoryThreadStore();
    const model = new ScriptedModel([
      call("divide", { a: 1, b: 4 }),
      call("done_for_now", { message: "0.25" }),
    ]);
    const runner = createRunner({ agents: [calculator], model, store });
    const source = await runner.launch("calculator", "1 / 4");

    // Act
    const fork = await runner.fork(source.threadId, undefined, {
      by: { principal: "alice", via: "console" },
    });
    const done = await runner.respond(fork.threadId, {
      callId: fork.pending?.callId ?? "",
      approved: true,
    });

    // Assess
    expect(fork.threadId).not.toBe(source.threadId);
    expect(fork).toMatchObject({ status: "waiting_for_approval", pending: source.pending });
    expect(fork.events.slice(0, -1)).toEqual(source.events);
    expect(fork.events.at(-1)).toMatchObject({
      type: "approval_requested",
      by: { principal: "alice", via: "console" },
      data: { callId: source.pending?.callId },
    });
    expect((await store.load(fork.threadId))?.forkedFrom).toEqual({
      threadId: source.threadId,
      version: source.events.length,
      by: { principal: "alice", via: "console" },
    });
    expect(done).toMatchObject({ status: "done", output: "0.25" });
    expect((await runner.get(source.threadId)).status).toBe("waiting_for_approval");
  });

  it("forks between a decision and its result: the fork asks again, the tool does not run", async () => {
    // Prepare
    const model = new ScriptedModel([
      call("divide", { a: 1, b: 4 }),
      call("done_for_now", { message: "0.25" }),
    ]);
    const runner = createRunner({ agents: [calculator], model });
    const paused = await runner.launch("calculator", "1 / 4");
    const callId = paused.pending?.callId ?? "";
    const source = await runner.respond(paused.threadId, { callId, approved: true });
    const decision = source.events.findIndex((event) => event.type === "approval_decision") + 1;

    // Act
    const fork = await runner.fork(source.threadId, decision);

    // Assess
    expect(source.status).toBe("done");
    expect(fork).toMatchObject({ status: "waiting_for_approval", pending: { callId } });
    expect(fork.events.filter((event) => event.type === "tool_result")).toEqual([]);
  });

  it("refuses a fork at or after a cancellation, and forks from before it", async () => {
    const model = new ScriptedModel([call("divide", { a: 1, b: 4 })]);
    const runner = createRunner({ agents: [calculator], model });
    const paused = await runner.launch("calculator", "1 / 4");
    const cancelled = await runner.cancel(paused.threadId);
    await expect(runner.fork(paused.threadId)).rejects.toThrow(ThreadClosedError);
    const before = await runner.fork(paused.threadId, cancelled.events.length - 1);
    expect(before.status).toBe("waiting_for_approval");
  });

  it("replays from an earlier version, and refuses one outside 1..latest", async () => {
    const model = new ScriptedModel([
      call("done_for_now", { message: "first answer" }),
      call("done_for_now", { message: "second answer" }),
    ]);
    const runner = createRunner({ agents: [calculator], model });
    const source = await runner.launch("calculator", "hello");
    const replay = await runner.fork(source.threadId, 1);
    expect(replay).toMatchObject({ status: "done", output: "second answer" });
    expect(replay.events[0]).toEqual(source.events[0]);
    await expect(runner.fork(source.threadId, 0)).rejects.toThrow(InvalidVersionError);
    await expect(runner.fork(source.threadId, source.events.length + 1)).rejects.toThrow(
      /has versions 1\.\.3/,
    );
  });
});

describe("Function: forkThread (a fork taken at a pause)", () => {
  it("announces the call the fork waits on, as a step that paused would", async () => {
    // Prepare
    const notices: ThreadWaitingNotice[] = [];
    const model = new ScriptedModel([call("divide", { a: 1, b: 4 })]);
    const runner = createRunner({
      agents: [calculator],
      model,
      notifier: { threadWaiting: async (notice) => void notices.push(notice) },
    });
    const source = await runner.launch("calculator", "1 / 4");

    // Act
    const fork = await runner.fork(source.threadId);

    // Assess
    expect(notices.map((n) => n.threadId)).toEqual([source.threadId, fork.threadId]);
    expect(notices[1]).toMatchObject({ status: "waiting_for_approval", tool: "divide" });
  });
});
