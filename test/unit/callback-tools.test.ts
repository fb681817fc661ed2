import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineAgent } from "../../shared/core/agent.ts";
import {
  CallbackTokenError,
  completeCallback,
  InvalidCallbackResultError,
  threadIdOfToken,
} from "../../shared/core/callback.ts";
import { ConfigError, NotPendingError, ThreadClosedError } from "../../shared/core/errors.ts";
import { hashToken } from "../../shared/core/hash.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { renderEvents } from "../../shared/core/render.ts";
import { deriveCallbackWait, deriveStatus } from "../../shared/core/thread.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { answerCallback, expireCallbacks } from "../../shared/runtime/callbacks.ts";
import { launchThread } from "../../shared/runtime/launch-thread.ts";
import { processStep } from "../../shared/runtime/process-step.ts";
import { createRunner, runnerHost } from "../../shared/runtime/runner.ts";
import {
  call,
  callbackRequested,
  MemoryThreadStore,
  ScriptedModel,
  toolCall,
  userMessage,
} from "../../shared/testing/index.ts";

const HOUR = 3_600_000;

/** A CI tool: `start` records what it was handed, the CI answers later by the token. */
function ciTool() {
  const started: { args: unknown; url: string; token: string; key: string }[] = [];
  const tool = defineTool({
    name: "run_ci",
    description: "Run the CI pipeline on a ref; the CI calls back with the outcome.",
    input: z.object({ ref: z.string() }),
    kind: "callback",
    timeoutMs: HOUR,
    result: z.object({ status: z.enum(["passed", "failed"]), url: z.string() }),
    start: (args, { callback, idempotencyKey }) => {
      started.push({ args, url: callback.url, token: callback.token, key: idempotencyKey });
    },
  });
  return { tool, started };
}

function world(script: ConstructorParameters<typeof ScriptedModel>[0], tool = ciTool()) {
  let now = Date.parse("2026-12-01T09:00:00.000Z");
  const agent = defineAgent({
    name: "releaser",
    prompt: "Release after CI passes.",
    tools: [tool.tool, doneForNow],
    maxSteps: 5,
  });
  const store = new MemoryThreadStore();
  const runner = createRunner({
    agents: [agent],
    model: new ScriptedModel(script),
    store,
    clock: { now: () => new Date(now) },
    callbackUrl: (token) => `https://api.example.com/callbacks/${token}`,
  });
  return {
    runner,
    store,
    agent,
    started: tool.started,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const passed = { status: "passed", url: "https://ci.example.com/1" };

describe("Tool kind: callback", () => {
  describe("Method: defineTool", () => {
    it("refuses a callback tool without start, without a positive timeoutMs, or with retry", () => {
      const base = { name: "t", description: "d", input: z.object({}), kind: "callback" } as const;
      expect(() => defineTool({ ...base, timeoutMs: 1 } as never)).toThrow(/needs start\(\)/);
      expect(() => defineTool({ ...base, start: () => {}, timeoutMs: 0 })).toThrow(
        /timeoutMs must be a positive integer/,
      );
      expect(() =>
        defineTool({ ...base, start: () => {}, timeoutMs: 5, retry: { attempts: 2 } } as never),
      ).toThrow(ConfigError);
    });
  });

  describe("Method: createRunner", () => {
    it("records the wait before start runs, then resumes on the token's answer", async () => {
      // Prepare
      const { runner, started } = world([
        call("run_ci", { ref: "main" }),
        call("done_for_now", { message: "released" }),
      ]);

      // Act
      const waiting = await runner.launch("releaser", "release main");

      // Assess
      expect(waiting.status).toBe("waiting_for_callback");
      expect(started).toHaveLength(1);
      const [{ token, url, key, args }] = started as [(typeof started)[number]];
      expect(args).toEqual({ ref: "main" });
      expect(url).toBe(`https://api.example.com/callbacks/${token}`);
      expect(key).toBe(`${waiting.threadId}:call_1`);
      expect(threadIdOfToken(token)).toBe(waiting.threadId);
      // 128 random bits after the thread id; only the hash is in the thread.
      expect(token.split(".").at(-1)).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(JSON.stringify(waiting.events)).not.toContain(token.split(".").at(-1));
      const wait = deriveCallbackWait(waiting.events);
      expect(wait).toMatchObject({ callId: "call_1", tokenHash: hashToken(token) });
      expect(wait?.expiresAt).toBe("2026-12-01T10:00:00.000Z");

      const done = await runner.callback(token, passed);
      expect(done.status).toBe("done");
      expect(done.events.find((e) => e.type === "tool_result")).toMatchObject({
        by: { principal: "callback", via: "callback" },
        data: { callId: "call_1", tool: "run_ci", result: passed },
      });
    });

    it("refuses a forged token, a wrong body (nothing written), and a second answer; a retry is recorded once", async () => {
      const { runner, store, started } = world([
        call("run_ci", { ref: "main" }),
        call("done_for_now", { message: "released" }),
      ]);
      const { threadId } = await runner.launch("releaser", "release main");
      const { token } = started[0] as { token: string };
      const before = (await store.load(threadId))?.events.length;

      await expect(runner.callback(`${threadId}.forged`, passed)).rejects.toThrow(
        CallbackTokenError,
      );
      await expect(runner.callback("thr_nobody.secret", passed)).rejects.toThrow(
        CallbackTokenError,
      );
      await expect(runner.callback("no-dot", passed)).rejects.toThrow(CallbackTokenError);
      await expect(runner.callback(token, { status: "maybe", url: "x" })).rejects.toThrow(
        InvalidCallbackResultError,
      );
      expect((await store.load(threadId))?.events.length).toBe(before);

      await runner.callback(token, passed);
      const after = (await store.load(threadId))?.events.length;
      // The sender's retry of the same answer: a success, nothing added.
      await expect(runner.callback(token, passed)).resolves.toMatchObject({ status: "done" });
      expect((await store.load(threadId))?.events.length).toBe(after);
      // Another answer for the same token: 409.
      await expect(runner.callback(token, { ...passed, status: "failed" })).rejects.toThrow(
        NotPendingError,
      );
      expect((await store.load(threadId))?.events.length).toBe(after);
    });

    it("answers by call id through respond, with the result schema applied", async () => {
      const { runner } = world([
        call("run_ci", { ref: "main" }),
        call("done_for_now", { message: "released" }),
      ]);
      const { threadId } = await runner.launch("releaser", "release main");
      await expect(
        runner.respond(threadId, { callId: "call_1", result: { status: 1 } }),
      ).rejects.toThrow(/status/);
      const done = await runner.respond(threadId, { callId: "call_1", result: passed });
      expect(done.status).toBe("done");
    });

    it("closes an expired wait with an error the model reads, and refuses the late answer", async () => {
      const { runner, started, advance } = world([
        call("run_ci", { ref: "main" }),
        call("done_for_now", { message: "CI never answered" }),
      ]);
      const { threadId } = await runner.launch("releaser", "release main");
      const { token } = started[0] as { token: string };
      advance(HOUR);

      const run = await runner.get(threadId);

      expect(run.status).toBe("done");
      const error = run.events.find((e) => e.type === "error");
      expect(error).toMatchObject({
        data: { code: "callback_expired", callId: "call_1", tool: "run_ci" },
      });
      expect(renderEvents(run.events, 4000)).toContain("the callback expired");
      await expect(runner.callback(token, passed)).rejects.toThrow(/expired/);
    });

    it("refuses an answer at the expiry even before the sweep closed the wait", async () => {
      const { runner, started, advance, store } = world([call("run_ci", { ref: "main" })]);
      const { threadId } = await runner.launch("releaser", "release main");
      advance(HOUR);
      const thread = await store.load(threadId);
      if (!thread) throw new Error("no thread");
      const clock = { now: () => new Date("2026-12-01T10:00:00.000Z") };
      expect(() =>
        completeCallback(thread, { token: (started[0] as { token: string }).token }, passed, {
          agent: undefined,
          clock,
        }),
      ).toThrow(/expired at 2026-12-01T10:00:00.000Z/);
    });

    it("lets the sweep close expired waits, and an answer racing it loses cleanly", async () => {
      const { runner, started, advance } = world([
        call("run_ci", { ref: "main" }),
        call("done_for_now", { message: "gave up" }),
      ]);
      const { threadId } = await runner.launch("releaser", "release main");
      const { deps, run } = runnerHost(runner);
      advance(HOUR - 1);
      expect(await expireCallbacks(deps)).toEqual({ checked: 1, expired: 0 });
      advance(1);

      // The sweep and the answer race: the sweep's append is saved first.
      const [swept, answered] = await Promise.allSettled([
        expireCallbacks(deps),
        runner.callback((started[0] as { token: string }).token, passed),
      ]);

      expect(swept).toEqual({ status: "fulfilled", value: { checked: 1, expired: 1 } });
      expect(answered.status).toBe("rejected");
      const after = await run(threadId);
      expect(after.events.filter((e) => e.type === "tool_result")).toHaveLength(0);
      expect(after.events.filter((e) => e.type === "error")).toHaveLength(1);
    });

    it("runs start only once the wait is saved, so an answer from inside start is taken", async () => {
      // Prepare: a partner so fast it answers before start returns.
      const store = new MemoryThreadStore();
      const seen: string[] = [];
      let answer: ((token: string) => Promise<unknown>) | undefined;
      const eager = defineTool({
        name: "run_ci",
        description: "Run CI",
        input: z.object({ ref: z.string() }),
        kind: "callback",
        timeoutMs: HOUR,
        start: async (_args, { threadId, callback }) => {
          const saved = await store.load(threadId);
          seen.push(saved ? deriveStatus(saved.events) : "missing");
          await answer?.(callback.token);
        },
      });
      const agent = defineAgent({ name: "releaser", prompt: "p", tools: [eager, doneForNow] });
      const runner = createRunner({
        agents: [agent],
        store,
        model: new ScriptedModel([
          call("run_ci", { ref: "main" }),
          call("done_for_now", { message: "released" }),
        ]),
      });
      const { deps } = runnerHost(runner);
      answer = (token) => answerCallback(deps, token, { ok: true });

      // Act
      const run = await runner.launch("releaser", "release main");

      // Assess
      expect(seen).toEqual(["waiting_for_callback"]);
      expect(run.status).toBe("done");
    });

    it("starts the callback when the step that saved the wait also delivered a waiting message", async () => {
      const { runner, store, started } = world([call("run_ci", { ref: "main" })]);
      const { deps } = runnerHost(runner);
      const { threadId } = await launchThread(deps, { agent: "releaser", message: "release" });
      const read = await store.load(threadId);
      if (!read) throw new Error("no thread");
      await store.queueMessage(read, { message: "and tag it", at: "2026-12-01T09:00:00.000Z" });

      const outcome = await processStep(deps, { threadId, version: 1 });

      expect(outcome).toBe("stepped_delivered");
      expect(started).toHaveLength(1);
      expect((await runner.get(threadId)).status).toBe("waiting_for_callback");
    });

    it("closes the call with the model's error when start throws", async () => {
      const tool = defineTool({
        name: "run_ci",
        description: "Run CI",
        input: z.object({ ref: z.string() }),
        kind: "callback",
        timeoutMs: HOUR,
        start: () => {
          throw new Error("CI at 10.0.0.7 refused");
        },
      });
      const { runner } = world(
        [call("run_ci", { ref: "main" }), call("done_for_now", { message: "CI is down" })],
        { tool, started: [] },
      );
      const run = await runner.launch("releaser", "release main");
      expect(run.status).toBe("done");
      expect(run.events.find((e) => e.type === "error")).toMatchObject({
        data: { code: "tool_failed", message: "run_ci failed: Error: CI at <host> refused" },
      });
    });

    it("keeps a message sent while waiting, and a cancel closes the wait for good", async () => {
      const { runner, started } = world([call("run_ci", { ref: "main" })]);
      const { threadId } = await runner.launch("releaser", "release main");
      const messaged = await runner.message(threadId, "also tag it");
      expect(messaged.status).toBe("waiting_for_callback");
      await runner.cancel(threadId);
      await expect(
        runner.callback((started[0] as { token: string }).token, passed),
      ).rejects.toThrow(ThreadClosedError);
    });
  });

  describe("Function: deriveCallbackWait", () => {
    it("waits on an unanswered request, not on one answered or followed by another call", () => {
      const events = [
        userMessage("go"),
        toolCall("call_1", "run_ci", { ref: "main" }),
        callbackRequested("call_1", "run_ci", { ref: "main" }),
      ];
      expect(deriveStatus(events)).toBe("waiting_for_callback");
      expect(deriveStatus([...events, userMessage("and?")])).toBe("waiting_for_callback");
      expect(
        deriveStatus([
          ...events,
          {
            type: "tool_result",
            at: events[0]?.at ?? "",
            data: { callId: "call_1", tool: "run_ci", result: 1 },
          },
        ]),
      ).toBe("running");
    });
  });
});
