import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { ThreadStore } from "../../shared/core/ports.ts";
import { deriveStatus } from "../../shared/core/thread.ts";
import { CrashSchedule, crashPoints } from "../fault-kit/fault-injection.ts";
import { runs, SEED } from "./support/budget.ts";
import { checkCancelRun, tally } from "./support/invariants.ts";
import { scenario, standardScenarios } from "./support/scenarios.ts";
import { type SimulationResult, simulate, spareLastChances, World } from "./support/simulation.ts";

describe("a cancel racing steps, redeliveries, crashes and people", () => {
  let clean: SimulationResult;
  beforeAll(async () => {
    clean = await simulate({ scenarios: standardScenarios, seed: 1 });
  });

  it("appends nothing after a cancellation, and loses or doubles nothing before it", async () => {
    const totals = { runs: 0, cancelled: 0, finishedFirst: 0, outcomes: {}, crashes: {} };
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.uniqueArray(fc.nat({ max: 120 }), { maxLength: 6 }),
        fc.double({ min: 0.02, max: 0.4, noNaN: true }),
        async (seed, at, cancelRace) => {
          // Prepare: cancels arrive at random ticks, sometimes twice, while deliveries repeat,
          // people answer, the reconciler races and invocations crash at every point
          const plan = new CrashSchedule({ points: crashPoints, at, spare: spareLastChances });

          // Act
          const run = await simulate({
            scenarios: standardScenarios,
            seed,
            plan,
            cancelRace,
            duplicateDelivery: 0.3,
            doubleClick: 0.3,
            answerNow: 0.8,
            reconcilerRace: 0.2,
          });

          // Assess
          const broken = checkCancelRun(run, clean);
          totals.runs++;
          totals.cancelled += Object.values(run.threads).filter((t) =>
            t?.events.some((e) => e.type === "cancelled"),
          ).length;
          totals.finishedFirst += run.cancels.closed;
          tally(totals.outcomes, run.outcomes);
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
    // The race really happened: threads cancelled mid-run and steps that lost their append.
    expect(totals.cancelled).toBeGreaterThan(0);
    expect(totals.outcomes).toMatchObject({ lost_race: expect.any(Number) });
    console.info(`cancels: ${JSON.stringify(totals)}`);
  });

  it("is shown to fail on a store whose appends skip the version check", async () => {
    // A step in flight then appends on top of the cancellation instead of losing the race.
    const unconditional = (store: ThreadStore): ThreadStore =>
      Object.assign(Object.create(store) as ThreadStore, {
        append: async (...[read, events, head]: Parameters<ThreadStore["append"]>) =>
          store.append((await store.load(read.id)) ?? read, events, head),
      });
    const broken: string[] = [];
    for (let seed = 0; seed < 20 && broken.length === 0; seed++) {
      const run = await simulate({
        scenarios: standardScenarios,
        seed,
        cancelRace: 0.3,
        answerNow: 0.8,
        mutate: { store: unconditional },
      });
      broken.push(...checkCancelRun(run, clean));
    }
    expect(broken.join("\n")).toMatch(/after the cancellation/);
  });

  it("records the result of an approved tool whose step lost its append to a cancel", async () => {
    // The approved deploy runs in a step while someone cancels: whichever write wins, the side
    // effect is never left unrecorded under a "cancelled". A call owed when the cancel came runs
    // once either way (its step may have run it and died), its result after the cancel.
    const seen = { lateResult: 0, cancelledFirst: 0, ranFirst: 0, finishedFirst: 0 };
    for (let seed = 0; seed < 60; seed++) {
      // Prepare: the deploy bot paused on its approval, approved, its step about to run
      const world = new World({ scenarios: [scenario("deploy")], seed, autoAnswer: false });
      await world.launchAll();
      await world.settle();
      const [notice] = world.waitingNotices;
      if (!notice) throw new Error("the deploy bot did not pause on its approval");
      world.spawnHuman(notice, { callId: notice.callId, approved: true });
      await world.runner.run();

      // Act: the approved step and a cancel, interleaved by the seed
      for (const message of world.queue.receive(1)) world.spawnWorker(message);
      world.spawnCanceller(notice.threadId);
      await world.runner.run();
      await world.settle();
      const run = await world.result();

      // Assess
      expect(run.unexpected).toEqual([]);
      const events = run.threads.deploy?.events ?? [];
      const cancelledAt = events.findIndex((e) => e.type === "cancelled");
      const resultAt = events.findIndex(
        (e) => e.type === "tool_result" && e.data.callId === notice.callId,
      );
      if (run.cancels.closed > 0) {
        // The thread finished before the cancel arrived.
        expect(cancelledAt, events.map((e) => e.type).join(",")).toBe(-1);
        seen.finishedFirst++;
        continue;
      }
      expect(cancelledAt, events.map((e) => e.type).join(",")).toBeGreaterThan(-1);
      expect(deriveStatus(events)).toBe("cancelled");
      expect(run.deployments.length).toBeLessThanOrEqual(1);
      if (run.deployments.length === 1) {
        expect(resultAt, `seed ${seed}: ${events.map((e) => e.type).join(",")}`).toBeGreaterThan(
          -1,
        );
        if (resultAt > cancelledAt) seen.lateResult++;
        else seen.ranFirst++;
      } else {
        expect(resultAt).toBe(-1);
        seen.cancelledFirst++;
      }
      expect(checkCancelRun(run, run)).toEqual([]);
    }
    // The race really went each way, the late result among them; the owed deploy always ran.
    expect(seen.lateResult).toBeGreaterThan(0);
    expect(seen.finishedFirst + seen.ranFirst).toBeGreaterThan(0);
    expect(seen.cancelledFirst).toBe(0);
    console.info(`approved deploy vs cancel: ${JSON.stringify(seen)}`);
  });
});
