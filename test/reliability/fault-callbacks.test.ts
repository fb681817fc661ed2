import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineAgent } from "../../shared/core/agent.ts";
import { callbackToStart } from "../../shared/core/callback.ts";
import { NotPendingError } from "../../shared/core/errors.ts";
import { hashToken } from "../../shared/core/hash.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import type { CallbackWaitingNotice, StepMessage } from "../../shared/core/ports.ts";
import { deriveCallbackWait, deriveStatus, type Thread } from "../../shared/core/thread.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { agentMap } from "../../shared/runtime/agents.ts";
import {
  answerCallback,
  expireCallbacks,
  restartCallback,
  restartOwedCallbacks,
} from "../../shared/runtime/callbacks.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { launchThread } from "../../shared/runtime/launch-thread.ts";
import { MemoryThreadStore } from "../../shared/runtime/memory-store.ts";
import { processStep } from "../../shared/runtime/process-step.ts";
import { call, ScriptedModel } from "../../shared/testing/index.ts";
import { CrashSchedule, faultyStore, InjectedCrash } from "../fault-kit/fault-injection.ts";
import { Interleaver } from "../fault-kit/interleaver.ts";
import { SeededRandom } from "../fault-kit/seeded-random.ts";
import { VirtualClock } from "../fault-kit/virtual-clock.ts";
import { runs, SEED } from "./support/budget.ts";

const TIMEOUT_MS = 60_000;

/**
 * A thread waiting on a callback, then in one seeded interleaving: two answers by the token
 * (`first`, and `second`, the same body or another), the expiry sweep, and the clock reaching
 * the expiry at a random point. Returns who succeeded and the thread as saved.
 */
async function race(seed: number, sameBody: boolean, expireAfterReads: number) {
  let token = "";
  const tool = defineTool({
    name: "pay",
    description: "Take a payment; the provider calls back",
    input: z.object({ cents: z.number() }),
    kind: "callback",
    timeoutMs: TIMEOUT_MS,
    start: (_args, context) => {
      token = context.callback.token;
    },
  });
  const agent = defineAgent({ name: "shop", prompt: "Sell.", tools: [tool, doneForNow] });
  const clock = new VirtualClock("2026-12-01T09:00:00.000Z");
  const random = new SeededRandom(seed);
  const runner = new Interleaver<string>(() => random.next());
  const inner = new MemoryThreadStore();
  const queued: StepMessage[] = [];
  let reads = 0;
  const deps: RuntimeDeps = {
    agents: agentMap([agent]),
    store: faultyStore(inner, {
      beforeCall: async () => {
        // The clock passes the expiry somewhere inside the race.
        if (++reads === expireAfterReads) clock.advance(TIMEOUT_MS);
        await runner.yield();
      },
      crashPoint: () => {},
      toolRan: () => {},
    }),
    queue: { enqueue: async (message) => void queued.push(message) },
    notifier: { threadWaiting: async () => {} },
    model: new ScriptedModel([call("pay", { cents: 500 })]),
    clock,
    ids: { threadId: () => "thr_shop", callbackSecret: () => "s3cr3t-s3cr3t-s3cr3t" },
    threadLink: (id) => id,
    random: () => 0,
  };
  await launchThread(deps, { agent: "shop", message: "sell" });
  for (let m = queued.shift(); m; m = queued.shift()) await processStep(deps, m);
  queued.length = 0;
  reads = 0;

  const bodies = { first: { paid: true }, second: sameBody ? { paid: true } : { paid: false } };
  const first = runner.spawn("first", () => answerCallback(deps, token, bodies.first));
  const second = runner.spawn("second", () => answerCallback(deps, token, bodies.second));
  const sweep = runner.spawn("sweep", () => expireCallbacks(deps));
  await runner.run();
  // The reconciler runs again later: a sweep that looked before the expiry closes it now.
  const later = await expireCallbacks(deps);
  return {
    first: await first,
    second: await second,
    sweep: await sweep,
    later,
    thread: await inner.load("thr_shop"),
    bodies,
    queued,
  };
}

describe("a callback racing a second callback and its own expiry", () => {
  it("ends the wait exactly once: one result or one expiry, never both, never twice", async () => {
    const seen = { answered: 0, expired: 0, retriesAccepted: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.boolean(),
        fc.integer({ min: 1, max: 12 }),
        async (seed, sameBody, expireAfterReads) => {
          const run = await race(seed, sameBody, expireAfterReads);
          const events = run.thread?.events ?? [];
          const results = events.filter((e) => e.type === "tool_result");
          const expiries = events.filter(
            (e) => e.type === "error" && e.data.code === "callback_expired",
          );
          // Exactly one outcome was saved, and the thread moved on from the wait.
          expect(results.length + expiries.length).toBe(1);
          expect(deriveStatus(events)).toBe("running");
          const sweep = run.sweep.ok ? run.sweep.value.expired : -1;
          expect(sweep + run.later.expired).toBe(expiries.length);
          const accepted = [run.first, run.second].filter((settled) => settled.ok).length;
          if (results.length === 1) {
            seen.answered++;
            // The saved result is the body of an answer that was accepted; a different second
            // body was refused, the same one accepted as a retry.
            const saved = results[0]?.type === "tool_result" ? results[0].data.result : undefined;
            expect([run.bodies.first, run.bodies.second]).toContainEqual(saved);
            // A retry of the same body that read the thread after the write is a success; one
            // that read it before, once the clock passed the expiry, is refused as expired.
            if (!sameBody) expect(accepted).toBe(1);
            else expect(accepted).toBeGreaterThanOrEqual(1);
            if (accepted === 2) seen.retriesAccepted++;
            for (const settled of [run.first, run.second]) {
              if (!settled.ok) expect(settled.error).toBeInstanceOf(NotPendingError);
            }
          } else {
            seen.expired++;
            expect(accepted).toBe(0);
          }
          // The step after the outcome was owed exactly once per accepted write, at one version.
          expect(new Set(run.queued.map((m) => m.version))).toEqual(new Set([events.length]));
        },
      ),
      { numRuns: runs(200), seed: SEED },
    );
    // Both outcomes really happened across the runs.
    expect(seen.answered).toBeGreaterThan(0);
    expect(seen.expired).toBeGreaterThan(0);
    expect(seen.retriesAccepted).toBeGreaterThan(0);
  });
});

/**
 * A callback tool's step delivered until it sticks, with crashes drawn among the worker's appends:
 * before or after the save of the wait (so `start` never ran), and before or after the record
 * that `start` ran (so it ran, and its token may be out). Each crash leaves the message to be
 * delivered again, as SQS does.
 */
async function crashingStart(at: readonly number[]) {
  const starts: { token: string; key: string }[] = [];
  const tool = defineTool({
    name: "pay",
    description: "Take a payment; the provider calls back",
    input: z.object({ cents: z.number() }),
    kind: "callback",
    timeoutMs: TIMEOUT_MS,
    start: (_args, context) => {
      starts.push({ token: context.callback.token, key: context.idempotencyKey });
    },
  });
  const agent = defineAgent({ name: "shop", prompt: "Sell.", tools: [tool, doneForNow] });
  const clock = new VirtualClock("2026-12-01T09:00:00.000Z");
  const inner = new MemoryThreadStore();
  const schedule = new CrashSchedule({ points: ["after_tool", "after_append"], at });
  let delivering = false;
  const queued: StepMessage[] = [];
  const notices: CallbackWaitingNotice[] = [];
  let secrets = 0;
  const deps: RuntimeDeps = {
    agents: agentMap([agent]),
    store: faultyStore(inner, {
      beforeCall: async () => {},
      crashPoint: (point) => {
        if (delivering && schedule.shouldCrash(point, { actor: "worker", toolRan: true })) {
          throw new InjectedCrash(point, "worker");
        }
      },
      toolRan: () => {},
    }),
    queue: { enqueue: async (message) => void queued.push(message) },
    notifier: {
      threadWaiting: async () => {},
      callbackWaiting: async (notice) => void notices.push(notice),
    },
    // A crash before the save asks the model again: it answers the same.
    model: new ScriptedModel(Array.from({ length: 8 }, () => call("pay", { cents: 500 }))),
    clock,
    ids: { threadId: () => "thr_shop", callbackSecret: () => `secret-${++secrets}-xxxxxxxxxxxx` },
    threadLink: (id) => id,
    random: () => 0,
  };
  await launchThread(deps, { agent: "shop", message: "sell" });
  const message = queued.shift() as StepMessage;
  delivering = true;
  let deliveries = 0;
  for (;;) {
    deliveries++;
    try {
      await processStep(deps, message);
      break;
    } catch (error) {
      if (!(error instanceof InjectedCrash)) throw error;
    }
  }
  delivering = false;
  return { deps, inner, starts, notices, deliveries, fired: schedule.fired, queued };
}

describe("a crash between saving a callback's wait and recording its start", () => {
  it("leaves exactly one live wait, whose token start was handed, with start run again under the same key", async () => {
    const seen = { restartedBeforeStart: 0, restartedAfterStart: 0 };
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.nat({ max: 7 }), { maxLength: 4 }), async (at) => {
        const run = await crashingStart(at);
        const thread = await run.inner.load("thr_shop");
        const events = thread?.events ?? [];
        // One live wait, its start recorded: nothing is owed, nothing expires unasked.
        const wait = deriveCallbackWait(events);
        expect(deriveStatus(events)).toBe("waiting_for_callback");
        expect(thread && callbackToStart(thread)).toBeNull();
        // start ran at least once, always with the same idempotency key, and the live wait is
        // the one whose token it was handed last.
        expect(run.starts.length).toBeGreaterThanOrEqual(1);
        expect(new Set(run.starts.map((s) => s.key))).toEqual(new Set(["thr_shop:call_1"]));
        const last = run.starts.at(-1) as { token: string };
        expect(wait?.tokenHash).toBe(hashToken(last.token));
        const requests = events.filter((e) => e.type === "callback_requested").length;
        if (requests > run.starts.length) seen.restartedBeforeStart++;
        if (run.starts.length > 1) seen.restartedAfterStart++;
        // Every notice names the live wait's expiry once it is the live one; the last is current.
        expect(run.notices.at(-1)?.expiresAt).toBe(wait?.expiresAt);
        // Any token handed to a start answers the live call (a partner may keep the first URL),
        // once: the same answer by another token is a retry, a different one is refused.
        const first = run.starts[0] as { token: string };
        await answerCallback(run.deps, first.token, { paid: true });
        for (const { token } of run.starts) {
          await answerCallback(run.deps, token, { paid: true });
          await expect(answerCallback(run.deps, token, { paid: false })).rejects.toThrow(
            NotPendingError,
          );
        }
        const after = (await run.inner.load("thr_shop"))?.events ?? [];
        expect(after.filter((e) => e.type === "tool_result")).toHaveLength(1);
        expect(deriveStatus(after)).toBe("running");
      }),
      { numRuns: runs(60), seed: SEED },
    );
    // Both crashes really happened across the runs.
    expect(seen.restartedBeforeStart).toBeGreaterThan(0);
    expect(seen.restartedAfterStart).toBeGreaterThan(0);
  });
});

/**
 * A shop whose `pay` callback tool's step died five times between saving the wait and `start`
 * (every delivery): the wait is saved, its `start` owed. `during`, when set, runs (once) inside
 * the next `start`.
 */
async function diedBeforeStart() {
  const starts: { token: string; key: string }[] = [];
  const hooks: { during?: () => Promise<unknown> } = {};
  const tool = defineTool({
    name: "pay",
    description: "Take a payment; the provider calls back",
    input: z.object({ cents: z.number() }),
    kind: "callback",
    timeoutMs: TIMEOUT_MS,
    start: async (_args, context) => {
      starts.push({ token: context.callback.token, key: context.idempotencyKey });
      const racing = hooks.during;
      hooks.during = undefined;
      await racing?.();
    },
  });
  const agent = defineAgent({ name: "shop", prompt: "Sell.", tools: [tool, doneForNow] });
  const clock = new VirtualClock("2026-12-01T09:00:00.000Z");
  const inner = new MemoryThreadStore();
  let delivering = false;
  const queued: StepMessage[] = [];
  const notices: CallbackWaitingNotice[] = [];
  let secrets = 0;
  const deps: RuntimeDeps = {
    agents: agentMap([agent]),
    store: faultyStore(inner, {
      beforeCall: async () => {},
      crashPoint: (point) => {
        if (delivering && point === "after_append") throw new InjectedCrash(point, "worker");
      },
      toolRan: () => {},
    }),
    queue: { enqueue: async (message) => void queued.push(message) },
    notifier: {
      threadWaiting: async () => {},
      callbackWaiting: async (notice) => void notices.push(notice),
    },
    model: new ScriptedModel([call("pay", { cents: 500 })]),
    clock,
    ids: { threadId: () => "thr_shop", callbackSecret: () => `secret-${++secrets}-xxxxxxxxxxxx` },
    threadLink: (id) => id,
    random: () => 0,
  };
  await launchThread(deps, { agent: "shop", message: "sell" });
  const message = queued.shift() as StepMessage;
  delivering = true;
  for (let receive = 1; receive <= 5; receive++) {
    await expect(processStep(deps, message)).rejects.toThrow(InjectedCrash);
  }
  delivering = false;
  const died = await inner.load("thr_shop");
  expect(died && callbackToStart(died)).not.toBeNull();
  expect(starts).toEqual([]);
  return { deps, inner, clock, starts, notices, hooks };
}

describe("every delivery of a callback tool's step dying between the save and start", () => {
  it("leaves a wait the reconciler's sweep starts once, past the grace: one live wait, start run once", async () => {
    // Prepare: each delivery saves the wait (or issues it again) and dies before start
    const { deps, inner, clock, starts, notices } = await diedBeforeStart();
    const staleAfterMs = 5 * 60_000;

    // Act: the sweep within the grace, then past it, then again
    const early = await restartOwedCallbacks(deps, { staleAfterMs });
    clock.advance(staleAfterMs + 1);
    const swept = await restartOwedCallbacks(deps, { staleAfterMs });
    const again = await restartOwedCallbacks(deps, { staleAfterMs });

    // Assess: start ran once, with the call's key, and its token is the one live wait's
    expect(early.restarted).toBe(0);
    expect(swept.restarted).toBe(1);
    expect(again.restarted).toBe(0);
    expect(starts).toEqual([{ token: expect.any(String), key: "thr_shop:call_1" }]);
    const thread = await inner.load("thr_shop");
    const events = thread?.events ?? [];
    expect(deriveStatus(events)).toBe("waiting_for_callback");
    expect(thread && callbackToStart(thread)).toBeNull();
    const wait = deriveCallbackWait(events);
    expect(wait?.tokenHash).toBe(hashToken(starts[0]?.token ?? ""));
    expect(Date.parse(wait?.expiresAt ?? "")).toBe(clock.now().getTime() + TIMEOUT_MS);
    expect(notices.map((n) => n.expiresAt)).toEqual([wait?.expiresAt]);
    // The started wait is answered by its token, and the loop goes on.
    await answerCallback(deps, starts[0]?.token ?? "", { paid: true });
    const after = (await inner.load("thr_shop"))?.events ?? [];
    expect(after.filter((e) => e.type === "tool_result")).toHaveLength(1);
    expect(deriveStatus(after)).toBe("running");
  });

  it("issues it once when two callers that read the owed wait race", async () => {
    // Prepare
    const { deps, inner, starts, hooks } = await diedBeforeStart();

    // Act: two callers (the sweep and a redelivery, or two sweeps) read the owed wait; the
    // second one issues it while the first one's start runs, with what it read
    const owed = callbackToStart((await inner.load("thr_shop")) as Thread);
    let second: boolean | undefined;
    hooks.during = async () => {
      second = await restartCallback(deps, "thr_shop", owed?.tokenHash);
    };
    const first = await restartCallback(deps, "thr_shop", owed?.tokenHash);

    // Assess: the first issued the wait; the second found it issued already; start ran once
    expect([first, second]).toEqual([true, false]);
    expect(starts).toHaveLength(1);
    const requests = ((await inner.load("thr_shop"))?.events ?? []).filter(
      (e) => e.type === "callback_requested",
    );
    expect(requests).toHaveLength(6);
  });
});

describe("two deliveries of the step that calls a callback tool, at once", () => {
  // In AWS a message is delivered again only once its visibility timeout (longer than the worker
  // runs) is over, so the first delivery is dead by then: such a delivery issues the wait again.
  // A delivery that loses its append to a live one (a duplicate) leaves the wait to the winner.
  it("start the wait once when one lost the append: it never issues the winner's wait again, nor announces it before its start", async () => {
    let raced = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(), async (seed) => {
        // Prepare
        const starts: string[] = [];
        const inner = new MemoryThreadStore();
        // Whether the wait's start was recorded when each notice went out.
        const noticed: boolean[] = [];
        const tool = defineTool({
          name: "pay",
          description: "Take a payment; the provider calls back",
          input: z.object({ cents: z.number() }),
          kind: "callback",
          timeoutMs: TIMEOUT_MS,
          start: (_args, context) => void starts.push(context.callback.token),
        });
        const agent = defineAgent({ name: "shop", prompt: "Sell.", tools: [tool, doneForNow] });
        const random = new SeededRandom(seed);
        const runner = new Interleaver<string>(() => random.next());
        const queued: StepMessage[] = [];
        let secrets = 0;
        const deps: RuntimeDeps = {
          agents: agentMap([agent]),
          store: faultyStore(inner, {
            beforeCall: () => runner.yield(),
            crashPoint: () => {},
            toolRan: () => {},
          }),
          queue: { enqueue: async (message) => void queued.push(message) },
          notifier: {
            threadWaiting: async () => {},
            callbackWaiting: async () => {
              const thread = await inner.load("thr_shop");
              noticed.push(thread !== undefined && callbackToStart(thread) === null);
            },
          },
          model: new ScriptedModel([call("pay", { cents: 500 }), call("pay", { cents: 500 })]),
          clock: new VirtualClock("2026-12-01T09:00:00.000Z"),
          ids: { threadId: () => "thr_shop", callbackSecret: () => `secret-${++secrets}-xxxxxxx` },
          threadLink: (id) => id,
          random: () => 0,
        };
        await launchThread(deps, { agent: "shop", message: "sell" });
        const message = queued.shift() as StepMessage;

        // Act
        const first = runner.spawn("first", () => processStep(deps, message));
        const second = runner.spawn("second", () => processStep(deps, message));
        await runner.run();

        // Assess: one live wait, its token handed to a start; one start when one delivery lost.
        const outcomes = [await first, await second].map((s) => (s.ok ? s.value : s.error));
        const events = (await inner.load("thr_shop"))?.events ?? [];
        const live = deriveCallbackWait(events)?.tokenHash;
        expect(starts.map((token) => hashToken(token))).toContain(live);
        // The wait is announced, and only once its start is recorded.
        expect(noticed.length).toBeGreaterThan(0);
        expect(noticed).not.toContain(false);
        if (!outcomes.includes("lost_race")) return;
        raced++;
        expect(events.filter((e) => e.type === "callback_requested")).toHaveLength(1);
        expect(starts).toHaveLength(1);
      }),
      { numRuns: runs(60), seed: SEED },
    );
    expect(raced).toBeGreaterThan(0);
  });
});
