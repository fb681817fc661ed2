import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { type CrashPoint, CrashSchedule, crashPoints } from "../fault-kit/fault-injection.ts";
import { runs, SEED } from "./support/budget.ts";
import { checkRun, tally } from "./support/invariants.ts";
import { standardScenarios } from "./support/scenarios.ts";
import {
  type SimulationOptions,
  type SimulationResult,
  simulate,
  spareLastChances,
} from "./support/simulation.ts";

const scenarios = standardScenarios;
let clean: SimulationResult;

beforeAll(async () => {
  clean = await simulate({ scenarios, seed: 1 });
  expect(clean.problems).toEqual([]);
  expect(clean.deployments).toHaveLength(1);
});

/** How many times a clean run reaches `points`: the range crash indices are drawn from. */
async function opportunities(points: readonly CrashPoint[], extra: Partial<SimulationOptions>) {
  const counter = new CrashSchedule({ points, at: [], spare: spareLastChances });
  await simulate({ scenarios, seed: 1, plan: counter, ...extra });
  return counter.opportunities;
}

/**
 * Runs the standard scenarios under crash schedules drawn by fast-check (which shrinks a failing
 * one to the fewest crashes that still break an invariant) and checks every run against the
 * clean run. Returns the summed figures.
 */
async function crashRuns(
  points: readonly CrashPoint[],
  options: { numRuns: number; maxCrashes: number; extra?: Partial<SimulationOptions> },
) {
  const extra = options.extra ?? {};
  const max = Math.ceil((await opportunities(points, extra)) * 1.2);
  const totals = { runs: 0, crashes: {} as Record<string, number>, outcomes: {}, retries: 0 };
  await fc.assert(
    fc.asyncProperty(
      fc.nat(),
      fc.uniqueArray(fc.nat({ max }), { minLength: 1, maxLength: options.maxCrashes }),
      async (seed, at) => {
        const plan = new CrashSchedule({ points, at, spare: spareLastChances });
        const run = await simulate({ scenarios, seed, plan, ...extra });
        const broken = checkRun(run, clean);
        totals.runs++;
        tally(totals.crashes, run.crashes);
        tally(totals.outcomes, run.outcomes);
        totals.retries += run.responses.retries;
        if (broken.length > 0) {
          throw new Error(
            `${broken.length} invariant(s) broken (seed ${seed}, crashes ${JSON.stringify(plan.fired)}):\n` +
              broken.join("\n"),
          );
        }
      },
    ),
    { numRuns: options.numRuns, seed: SEED },
  );
  return totals;
}

describe("crash at one point of the step pipeline, at random opportunities", () => {
  it.each(crashPoints)(
    "%s: nothing lost, nothing doubled, every thread ends as it would without faults",
    async (point) => {
      // Act
      const totals = await crashRuns([point], { numRuns: runs(300), maxCrashes: 6 });

      // Assess: the point was really exercised (a schedule that never fires proves nothing)
      expect(totals.crashes[point] ?? 0).toBeGreaterThan(totals.runs);
      console.info(`crash ${point}: ${JSON.stringify(totals)}`);
    },
  );
});

describe("crashes anywhere, with duplicate deliveries, double clicks and reconciler races", () => {
  it("keeps every invariant", async () => {
    // Act
    const totals = await crashRuns(crashPoints, {
      numRuns: runs(500),
      maxCrashes: 12,
      extra: { duplicateDelivery: 0.2, doubleClick: 0.2, reconcilerRace: 0.05, answerNow: 0.5 },
    });

    // Assess
    for (const point of crashPoints) expect(totals.crashes[point] ?? 0).toBeGreaterThan(0);
    console.info(`crashes anywhere: ${JSON.stringify(totals)}`);
  });
});
