import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineAgent } from "../../shared/core/agent.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import type { StepMessage } from "../../shared/core/ports.ts";
import { renderEvents } from "../../shared/core/render.ts";
import { defineTool, retryDelayMs } from "../../shared/core/tool.ts";
import { ToolError } from "../../shared/core/tool-error.ts";
import { agentMap } from "../../shared/runtime/agents.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { launchThread } from "../../shared/runtime/launch-thread.ts";
import { INLINE_RETRY_WAIT_MS, processStep } from "../../shared/runtime/process-step.ts";
import { reconcile } from "../../shared/runtime/reconcile.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import { call, MemoryThreadStore, ScriptedModel } from "../../shared/testing/index.ts";

/** A payment tool failing `failures` times with a retryable error (or `error`), then paying. */
function chargeTool(failures: number, policy = { attempts: 3 }, error?: () => Error) {
  const keys: string[] = [];
  const tool = defineTool({
    name: "charge",
    description: "Charge a card",
    input: z.object({ cents: z.number() }),
    kind: "approval",
    retry: policy,
    run: ({ cents }, { idempotencyKey }) => {
      keys.push(idempotencyKey);
      if (keys.length <= failures) {
        throw error?.() ?? new ToolError("the payment API answered 503", { retryable: true });
      }
      return { charged: cents };
    },
  });
  return { tool, keys };
}

const agentWith = (tool: ReturnType<typeof chargeTool>["tool"]) =>
  defineAgent({ name: "payments", prompt: "Charge.", tools: [tool, doneForNow], maxSteps: 5 });

describe("Tool option: retry", () => {
  it("runs an approved call again with the same key and no new approval, then the model goes on", async () => {
    // Prepare
    const { tool, keys } = chargeTool(1);
    const runner = createRunner({
      agents: [agentWith(tool)],
      model: new ScriptedModel([
        call("charge", { cents: 500 }),
        call("done_for_now", { message: "charged" }),
      ]),
    });
    const waiting = await runner.launch("payments", "charge 5 dollars");

    // Act
    const run = await runner.respond(waiting.threadId, {
      callId: waiting.pending?.callId ?? "",
      approved: true,
    });

    // Assess
    expect(run.status).toBe("done");
    expect(keys).toEqual([`${run.threadId}:call_1`, `${run.threadId}:call_1`]);
    expect(run.events.filter((e) => e.type === "approval_requested")).toHaveLength(1);
    expect(run.events.filter((e) => e.type === "error")).toHaveLength(0);
    expect(run.events.find((e) => e.type === "tool_retry")).toMatchObject({
      data: {
        callId: "call_1",
        attempt: 1,
        message: "charge failed: the payment API answered 503",
      },
    });
    expect(renderEvents(run.events, 4000)).not.toContain("503");
  });

  it("sends the last error to the model once the attempts are spent", async () => {
    const { tool, keys } = chargeTool(5, { attempts: 3 });
    const runner = createRunner({
      agents: [agentWith(tool)],
      model: new ScriptedModel([
        call("charge", { cents: 500 }),
        call("done_for_now", { message: "payments are down" }),
      ]),
    });
    const waiting = await runner.launch("payments", "charge 5 dollars");
    const run = await runner.respond(waiting.threadId, { callId: "call_1", approved: true });

    expect(keys).toHaveLength(3);
    expect(run.events.filter((e) => e.type === "tool_retry")).toHaveLength(2);
    const errors = run.events.filter((e) => e.type === "error");
    expect(errors).toMatchObject([
      { data: { code: "tool_failed", message: "charge failed: the payment API answered 503" } },
    ]);
    expect(run.status).toBe("done");
  });

  it("never retries an error the tool did not mark retryable", async () => {
    const { tool, keys } = chargeTool(1, { attempts: 3 }, () => new ToolError("card declined"));
    const runner = createRunner({
      agents: [agentWith(tool)],
      model: new ScriptedModel([
        call("charge", { cents: 500 }),
        call("done_for_now", { message: "declined" }),
      ]),
    });
    const waiting = await runner.launch("payments", "charge 5 dollars");
    const run = await runner.respond(waiting.threadId, { callId: "call_1", approved: true });
    expect(keys).toHaveLength(1);
    expect(run.events.some((e) => e.type === "tool_retry")).toBe(false);
  });

  it("waits a short backoff in process, and leaves a long one to the reconciler", async () => {
    // Prepare: a sync tool whose backoff is longer than a step may sleep.
    let now = Date.parse("2026-12-01T09:00:00.000Z");
    const runs: string[] = [];
    const flaky = defineTool({
      name: "fetch_rates",
      description: "Fetch rates",
      input: z.object({}),
      kind: "sync",
      retry: { attempts: 2, backoff: { initialMs: 60_000 } },
      run: (_args, { idempotencyKey }) => {
        runs.push(idempotencyKey);
        if (runs.length === 1) throw new ToolError("timeout", { retryable: true });
        return { eur: 1.1 };
      },
    });
    const queued: StepMessage[] = [];
    const slept: number[] = [];
    const deps: RuntimeDeps = {
      agents: agentMap([
        defineAgent({ name: "rates", prompt: "Rates.", tools: [flaky, doneForNow] }),
      ]),
      store: new MemoryThreadStore(),
      queue: { enqueue: async (message) => void queued.push(message) },
      notifier: { threadWaiting: async () => {} },
      model: new ScriptedModel([call("fetch_rates", {}), call("done_for_now", { message: "1.1" })]),
      clock: { now: () => new Date(now) },
      ids: { threadId: () => "thr_rates" },
      threadLink: (id) => id,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    };
    const drain = async () => {
      const outcomes: string[] = [];
      for (let m = queued.shift(); m; m = queued.shift()) outcomes.push(await processStep(deps, m));
      return outcomes;
    };
    await launchThread(deps, { agent: "rates", message: "rates?" });

    // Act: the call is saved, runs, fails; its retry is a minute away.
    expect(await drain()).toEqual(["stepped", "stepped", "retry_later"]);
    expect(slept).toEqual([]);
    now += 30_000;
    expect(await reconcile(deps, { staleAfterMs: 0 })).toMatchObject({ enqueued: 0 });
    now += 30_000;
    expect(await reconcile(deps, { staleAfterMs: 0 })).toMatchObject({ enqueued: 1 });

    // Assess
    // The retry runs, succeeds, and the model finishes in the same step.
    expect(await drain()).toEqual(["stepped"]);
    expect((await deps.store.load("thr_rates"))?.events.at(-1)?.type).toBe("done");
    expect(runs).toEqual(["thr_rates:call_1", "thr_rates:call_1"]);
    expect(INLINE_RETRY_WAIT_MS).toBeLessThan(60_000);
  });

  it("sleeps a backoff shorter than INLINE_RETRY_WAIT_MS in the step", async () => {
    let now = Date.parse("2026-12-01T09:00:00.000Z");
    let failures = 1;
    const flaky = defineTool({
      name: "ping",
      description: "Ping",
      input: z.object({}),
      kind: "sync",
      retry: { attempts: 2, backoff: 2000 },
      run: () => {
        if (failures-- > 0) throw new ToolError("busy", { retryable: true });
        return "pong";
      },
    });
    const queued: StepMessage[] = [];
    const slept: number[] = [];
    const deps: RuntimeDeps = {
      agents: agentMap([defineAgent({ name: "p", prompt: "P.", tools: [flaky, doneForNow] })]),
      store: new MemoryThreadStore(),
      queue: { enqueue: async (message) => void queued.push(message) },
      notifier: { threadWaiting: async () => {} },
      model: new ScriptedModel([call("ping", {}), call("done_for_now", { message: "ok" })]),
      clock: { now: () => new Date(now) },
      ids: { threadId: () => "thr_p" },
      threadLink: (id) => id,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    };
    await launchThread(deps, { agent: "p", message: "ping" });
    const outcomes: string[] = [];
    for (let m = queued.shift(); m; m = queued.shift()) outcomes.push(await processStep(deps, m));
    expect(outcomes).toEqual(["stepped", "stepped", "stepped"]);
    expect(slept).toEqual([2000]);
  });

  it("computes exponential backoff with a cap, and refuses bad policies", () => {
    const policy = { attempts: 5, backoff: { initialMs: 100, factor: 3, maxMs: 500 } };
    expect([1, 2, 3].map((n) => retryDelayMs(policy, n))).toEqual([100, 300, 500]);
    expect(retryDelayMs({ attempts: 2 }, 1)).toBe(0);
    const base = { name: "t", description: "d", input: z.object({}), run: () => 1 } as const;
    expect(() => defineTool({ ...base, kind: "sync", retry: { attempts: 0 } })).toThrow(
      ConfigError,
    );
    expect(() =>
      defineTool({ ...base, kind: "sync", retry: { attempts: 2, backoff: -1 } }),
    ).toThrow(/backoff/);
    expect(() =>
      defineTool({ ...base, run: undefined, kind: "human", retry: { attempts: 2 } } as never),
    ).toThrow(/sync and approval/);
  });
});
