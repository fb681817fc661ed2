import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineAgent } from "../../shared/core/agent.ts";
import { NotPendingError } from "../../shared/core/errors.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import type { StepMessage } from "../../shared/core/ports.ts";
import { deriveStatus } from "../../shared/core/thread.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { agentMap } from "../../shared/runtime/agents.ts";
import { answerCallback, expireCallbacks } from "../../shared/runtime/callbacks.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { launchThread } from "../../shared/runtime/launch-thread.ts";
import { MemoryThreadStore } from "../../shared/runtime/memory-store.ts";
import { processStep } from "../../shared/runtime/process-step.ts";
import { call, ScriptedModel } from "../../shared/testing/index.ts";
import { faultyStore } from "../fault-kit/fault-injection.ts";
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
