import { describe, expect, it } from "vitest";
import { ThreadNotFoundError } from "../../shared/core/errors.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { UnknownAgentError } from "../../shared/runtime/errors.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import { call, MemoryThreadStore, ScriptedModel } from "../../shared/testing/index.ts";

describe("Function: createRunner", () => {
  describe("Method: launch", () => {
    it("runs the thread until it pauses, and hands back the pending call", async () => {
      // Prepare
      const model = new ScriptedModel([
        call("add", { a: 3, b: 4 }),
        call("divide", { a: 7, b: 2 }),
      ]);
      const runner = createRunner({ agents: [calculator], model });
      // Act
      const run = await runner.launch("calculator", "What is (3 + 4) / 2?");
      // Assess
      expect(run).toMatchObject({
        status: "waiting_for_approval",
        output: null,
        pending: { kind: "approval", tool: "divide", args: { a: 7, b: 2 } },
      });
      expect(run.events.map((event) => event.type)).toEqual([
        "user_message",
        "tool_call",
        "tool_result",
        "tool_call",
        "approval_requested",
      ]);
      model.assertDone();
    });

    it("takes the agent itself as well as its name", async () => {
      const model = new ScriptedModel([call("done_for_now", { message: "hi" })]);
      const run = await createRunner({ agents: [calculator], model }).launch(calculator, "hello");
      expect(run).toMatchObject({ status: "done", output: "hi", pending: null });
    });

    it("refuses an agent it does not serve, and two agents of one name", async () => {
      const runner = createRunner({ agents: [calculator], model: new ScriptedModel([]) });
      await expect(runner.launch("deploybot", "x")).rejects.toThrow(UnknownAgentError);
      expect(() =>
        createRunner({ agents: [calculator, calculator], model: new ScriptedModel([]) }),
      ).toThrow(/two agents are named "calculator"/);
    });

    it("stops a thread that never pauses after maxStepsPerCall steps", async () => {
      const model = new ScriptedModel(Array.from({ length: 5 }, () => call("add", { a: 1, b: 1 })));
      const runner = createRunner({ agents: [calculator], model, maxStepsPerCall: 3 });
      await expect(runner.launch("calculator", "add forever")).rejects.toThrow(
        /ran 3 steps without pausing/,
      );
    });
  });

  describe("Method: respond", () => {
    it("runs on after an approval, and after an answer to a question", async () => {
      const model = new ScriptedModel([
        call("request_more_information", { message: "Which numbers?" }),
        call("divide", { a: 1, b: 4 }),
        call("done_for_now", { message: "1 / 4 = 0.25" }),
      ]);
      const runner = createRunner({ agents: [calculator], model });
      const asked = await runner.launch("calculator", "divide something");
      expect(asked.pending).toMatchObject({ kind: "human_input", message: "Which numbers?" });
      const waiting = await runner.respond(asked.threadId, {
        callId: asked.pending?.callId ?? "",
        response: "1 / 4",
      });
      expect(waiting.status).toBe("waiting_for_approval");
      const done = await runner.respond(waiting.threadId, {
        callId: waiting.pending?.callId ?? "",
        approved: true,
      });
      expect(done).toMatchObject({ status: "done", output: "1 / 4 = 0.25", pending: null });
      expect(
        done.events.find((e) => e.type === "tool_result" && e.data.tool === "divide"),
      ).toMatchObject({
        data: { result: 0.25 },
      });
    });
  });

  describe("Method: get", () => {
    it("reads a thread from the store it was given, and says when there is none", async () => {
      const store = new MemoryThreadStore();
      const model = new ScriptedModel([call("done_for_now", { message: "ok" })]);
      const runner = createRunner({ agents: [calculator], model, store });
      const { threadId } = await runner.launch("calculator", "hello");
      expect(await store.load(threadId)).toBeDefined();
      expect(await runner.get(threadId)).toMatchObject({ threadId, status: "done", output: "ok" });
      await expect(runner.get("thr_missing")).rejects.toThrow(ThreadNotFoundError);
    });
  });
});

describe("Function: createRunner (Methods: events, delete, and by)", () => {
  it("pages events with their versions, and deletes a thread for good", async () => {
    // Prepare
    const model = new ScriptedModel([
      call("add", { a: 1, b: 2 }),
      call("done_for_now", { message: "3" }),
    ]);
    const runner = createRunner({ agents: [calculator], model, principal: "billing-job" });
    const done = await runner.launch("calculator", "1 + 2");

    // Act
    const page = await runner.events(done.threadId, { after: 1, limit: 2 });
    await runner.delete(done.threadId);

    // Assess
    expect(page.version).toBe(done.events.length);
    expect(page.events.map((e) => [e.version, e.type])).toEqual([
      [2, "tool_call"],
      [3, "tool_result"],
    ]);
    expect(done.events[0]?.by).toEqual({ principal: "billing-job", via: "runner" });
    await expect(runner.get(done.threadId)).rejects.toThrow(ThreadNotFoundError);
    await expect(runner.delete(done.threadId)).rejects.toThrow(ThreadNotFoundError);
    await expect(runner.events(done.threadId)).rejects.toThrow(ThreadNotFoundError);
  });
});
