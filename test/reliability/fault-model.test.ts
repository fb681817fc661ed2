import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { deriveStatus, type Thread } from "../../shared/core/thread.ts";
import { CrashSchedule, crashPoints } from "../fault-kit/fault-injection.ts";
import { type ModelFault, modelFaults, transientModelFaults } from "../fault-kit/flaky-model.ts";
import { hashedDraw } from "../fault-kit/seeded-random.ts";
import { runs, SEED } from "./support/budget.ts";
import { checkRun, tally } from "./support/invariants.ts";
import { standardScenarios } from "./support/scenarios.ts";
import { simulate, spareLastChances } from "./support/simulation.ts";

const MAX_ERRORS = 3; // both example agents keep the default

/**
 * A model that fails on a fraction of steps, as a pure function of (seed, thread, version): a
 * retried step meets the same fault, so a run with crashes can be compared with a clean run.
 */
function flaky(
  seed: number,
  rate: number,
  kinds: readonly ModelFault[],
  injected: Record<string, number> = {},
) {
  return (threadId: string, version: number): ModelFault | null => {
    if (hashedDraw(seed, threadId, version) >= rate) return null;
    const kind = kinds[Math.floor(hashedDraw(seed, threadId, version, "kind") * kinds.length)];
    if (kind) injected[kind] = (injected[kind] ?? 0) + 1;
    return kind ?? null;
  };
}

/**
 * Factor 9 on a finished thread: no more than 3 errors in a row without a person being asked,
 * the 3rd is followed at once by a `too_many_errors` escalation, and a model that rejected the
 * request (not retryable) escalates at once as `model_unusable`.
 */
function checkEscalations(name: string, thread: Thread | undefined): string[] {
  if (!thread) return [`${name}: no thread`];
  const broken: string[] = [];
  let run = 0;
  thread.events.forEach((event, i) => {
    const next: ThreadEvent | undefined = thread.events[i + 1];
    if (event.type === "error") {
      run++;
      if (event.data.message.length > 600) broken.push(`${name} #${i}: error not compact`);
      const unusable = event.data.code === "model_failed" && /\b401\b/.test(event.data.message);
      const reason = unusable ? "model_unusable" : run >= MAX_ERRORS ? "too_many_errors" : null;
      if (reason && !(next?.type === "human_input_requested" && next.data.reason === reason)) {
        broken.push(`${name} #${i}: expected a ${reason} escalation after it, got ${next?.type}`);
      }
    } else if (
      event.type === "tool_result" ||
      event.type === "human_response" ||
      event.type === "approval_decision" ||
      event.type === "user_message"
    ) {
      run = 0;
    }
    if (run > MAX_ERRORS) broken.push(`${name} #${i}: ${run} errors in a row`);
  });
  if (deriveStatus(thread.events) !== "done") {
    broken.push(`${name}: ended ${deriveStatus(thread.events)}, not done`);
  }
  return broken;
}

const escalations = (threads: Record<string, Thread | undefined>) =>
  Object.values(threads).flatMap((t) =>
    (t?.events ?? []).flatMap((e) =>
      e.type === "human_input_requested" && e.data.reason !== "tool" ? [e.data.reason] : [],
    ),
  );

describe("model faults through the real step path (ModelError and useless replies)", () => {
  it("compacts every fault into an error, escalates 3 in a row, and never leaves a thread running", async () => {
    const totals = {
      runs: 0,
      injected: {} as Record<string, number>,
      escalations: {} as Record<string, number>,
      errors: 0,
    };
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.double({ min: 0.2, max: 0.6, noNaN: true }),
        async (seed, rate) => {
          // Prepare
          const modelFaults = flaky(seed, rate, transientModelFaults, totals.injected);
          const clean = await simulate({ scenarios: standardScenarios, seed, modelFaults });

          // Assess
          const broken = [
            ...clean.problems,
            ...clean.unexpected,
            ...Object.entries(clean.threads).flatMap(([name, t]) => checkEscalations(name, t)),
          ];
          totals.runs++;
          tally(
            totals.escalations,
            Object.fromEntries(
              Object.entries(countBy(escalations(clean.threads))).map(([k, v]) => [k, v]),
            ),
          );
          totals.errors += Object.values(clean.threads).reduce(
            (sum, t) => sum + (t?.events.filter((e) => e.type === "error").length ?? 0),
            0,
          );
          if (broken.length > 0)
            throw new Error(`seed ${seed} rate ${rate}:\n${broken.join("\n")}`);
        },
      ),
      { numRuns: runs(200), seed: SEED },
    );
    expect(totals.escalations.too_many_errors ?? 0).toBeGreaterThan(0);
    expect(Object.keys(totals.injected).sort()).toEqual([...transientModelFaults].sort());
    console.info(`model faults: ${JSON.stringify(totals)}`);
  });

  it("escalates as model_unusable at once when the model rejects the request (401)", async () => {
    // Prepare: the first model call of every thread gets a 401
    const firstCall = new Map<string, number>();
    const modelFaults = (threadId: string, version: number): ModelFault | null => {
      if (!firstCall.has(threadId)) firstCall.set(threadId, version);
      return firstCall.get(threadId) === version ? "unauthorized" : null;
    };

    // Act
    const run = await simulate({ scenarios: standardScenarios, seed: 7, modelFaults });

    // Assess
    expect(run.problems).toEqual([]);
    for (const [name, thread] of Object.entries(run.threads)) {
      expect(checkEscalations(name, thread)).toEqual([]);
      const events = thread?.events ?? [];
      const first = events.findIndex((e) => e.type === "error");
      expect(events[first]).toMatchObject({ data: { code: "model_failed" } });
      expect(events[first + 1]).toMatchObject({
        type: "human_input_requested",
        data: { reason: "model_unusable" },
      });
    }
  });

  it("with crashes at every point too, ends each thread exactly as the clean run of the same faults", async () => {
    const totals = { runs: 0, crashes: {} as Record<string, number> };
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.uniqueArray(fc.nat({ max: 80 }), { minLength: 1, maxLength: 10 }),
        async (seed, at) => {
          // Prepare
          const modelFaults = flaky(seed, 0.35, modelFaults_all);
          const clean = await simulate({ scenarios: standardScenarios, seed, modelFaults });
          const plan = new CrashSchedule({ points: crashPoints, at, spare: spareLastChances });

          // Act
          const run = await simulate({
            scenarios: standardScenarios,
            seed: seed + 1,
            modelFaults,
            plan,
            duplicateDelivery: 0.1,
          });

          // Assess
          const broken = [
            ...checkRun(run, clean),
            ...Object.entries(run.threads).flatMap(([name, t]) => checkEscalations(name, t)),
          ];
          totals.runs++;
          tally(totals.crashes, run.crashes);
          if (broken.length > 0) {
            throw new Error(
              `seed ${seed}, crashes ${JSON.stringify(plan.fired)}:\n${broken.join("\n")}`,
            );
          }
        },
      ),
      { numRuns: runs(200), seed: SEED },
    );
    console.info(`model faults + crashes: ${JSON.stringify(totals)}`);
  });
});

/** Every fault; a 401 escalates and the person's answer lets the thread go on. */
const modelFaults_all: readonly ModelFault[] = modelFaults;

function countBy(items: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}
