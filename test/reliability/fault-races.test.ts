import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { HumanReply } from "../../shared/core/lifecycle.ts";
import type { ThreadWaitingNotice } from "../../shared/core/ports.ts";
import type { Thread } from "../../shared/core/thread.ts";
import { CrashSchedule, crashPoints } from "../fault-kit/fault-injection.ts";
import { runs, SEED } from "./support/budget.ts";
import { checkRun, tally } from "./support/invariants.ts";
import { type Scenario, scenario, standardScenarios } from "./support/scenarios.ts";
import { type SimulationResult, simulate, spareLastChances, World } from "./support/simulation.ts";

const bare = (thread: Thread | undefined) =>
  (thread?.events ?? []).map((e) => ({ type: e.type, data: e.data }));

describe("a response racing redelivered, duplicated and reconciled steps", () => {
  let clean: SimulationResult;
  beforeAll(async () => {
    clean = await simulate({ scenarios: standardScenarios, seed: 1 });
  });

  it("loses and doubles nothing when people answer at once, twice, while steps are redelivered", async () => {
    const totals = {
      runs: 0,
      crashes: {} as Record<string, number>,
      outcomes: {},
      accepted: 0,
      answers: 0,
    };
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.uniqueArray(fc.nat({ max: 120 }), { maxLength: 8 }),
        async (seed, at) => {
          // Prepare: every delivery may run twice at once, every answer may be sent twice, people
          // answer as soon as they are told, and the reconciler (stale after 0 ms) runs often
          const plan = new CrashSchedule({ points: crashPoints, at, spare: spareLastChances });

          // Act
          const run = await simulate({
            scenarios: standardScenarios,
            seed,
            plan,
            duplicateDelivery: 0.5,
            doubleClick: 0.5,
            answerNow: 0.95,
            reconcilerRace: 0.3,
          });

          // Assess
          const broken = checkRun(run, clean);
          totals.runs++;
          tally(totals.crashes, run.crashes);
          tally(totals.outcomes, run.outcomes);
          totals.accepted += run.responses.accepted;
          totals.answers += Object.values(run.threads)
            .flatMap((thread) => thread?.events ?? [])
            .filter((e) => e.type === "approval_decision" || e.type === "human_response").length;
          if (broken.length > 0) {
            throw new Error(
              `seed ${seed}, crashes ${JSON.stringify(plan.fired)}:\n${broken.join("\n")}`,
            );
          }
        },
      ),
      { numRuns: runs(300), seed: SEED },
    );
    // The races really happened: duplicate steps lost, and second clicks accepted as the retries
    // they are while each answer was recorded once (the invariants count the events).
    expect(totals.outcomes).toMatchObject({ lost_race: expect.any(Number) });
    expect(totals.accepted).toBeGreaterThan(totals.answers);
    console.info(`races: ${JSON.stringify(totals)}`);
  });
});

describe("many people deciding one approval at once, differently", () => {
  const racers: Scenario[] = [scenario("calc-divide"), scenario("deploy")];
  const decisions: Record<"approve" | "reject", (notice: ThreadWaitingNotice) => HumanReply> = {
    approve: (notice) => ({ callId: notice.callId, approved: true }),
    reject: (notice) => ({ callId: notice.callId, approved: false, comment: "not now" }),
  };
  /** The clean thread for each scenario and decision. */
  const cleanThreads = new Map<string, SimulationResult>();

  beforeAll(async () => {
    for (const [decision, answer] of Object.entries(decisions)) {
      const result = await simulate({
        scenarios: racers.map((s) => ({ ...s, answer })),
        seed: 1,
      });
      cleanThreads.set(decision, result);
    }
  });

  it("lets exactly one decision win; the thread goes on as if only the winner had answered", async () => {
    const wins = { approve: 0, reject: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.integer({ min: 2, max: 8 }),
        fc.uniqueArray(fc.nat({ max: 40 }), { maxLength: 4 }),
        async (seed, people, at) => {
          // Prepare: threads launched and paused on their approval; nobody answered yet. People's
          // requests do not crash here: a retry after a crash gets 409 for its own saved answer,
          // and would blur who won.
          const plan = new CrashSchedule({
            points: crashPoints,
            at,
            spare: (site) => spareLastChances(site) || site.actor === "human",
          });
          const world = new World({ scenarios: racers, seed, plan, autoAnswer: false });
          await world.launchAll();
          await world.settle();
          const notices = world.waitingNotices;
          expect(notices).toHaveLength(racers.length);

          // Act: `people` clicks per call, approve and reject alternating, racing a late
          // duplicate of the step that paused the thread and a reconciler run
          const clicks = notices.flatMap((notice) =>
            Array.from({ length: people }, (_, i) => {
              const decision: "approve" | "reject" = i % 2 === 0 ? "approve" : "reject";
              const reply = decisions[decision](notice);
              return { notice, decision, settled: world.spawnHuman(notice, reply) };
            }),
          );
          for (const notice of notices) {
            const version = Number(notice.callId.replace("call_", ""));
            world.spawnWorker({
              messageId: "late",
              receiptHandle: "late",
              body: { threadId: notice.threadId, version },
              groupId: notice.threadId,
              deduplicationId: `${notice.threadId}:${version}`,
              receiveCount: 2,
              sentAt: 0,
            });
          }
          world.spawnReconciler(0);
          await world.runner.run();
          await world.settle();
          const run = await world.result();

          // Assess
          expect(run.problems).toEqual([]);
          expect(run.unexpected).toEqual([]);
          for (const s of racers) {
            const threadId = run.threadIds[s.name];
            const mine = clicks.filter((c) => c.notice.threadId === threadId);
            const outcomes = await Promise.all(mine.map((c) => c.settled));
            const thread = run.threads[s.name];
            const saved = thread?.events.filter((e) => e.type === "approval_decision") ?? [];
            expect(saved).toHaveLength(1);
            const winner =
              saved[0]?.type === "approval_decision" && saved[0].data.approved
                ? "approve"
                : "reject";
            wins[winner]++;
            // The same decision again is a retry (accepted, recorded once); the other one is 409.
            mine.forEach((click, i) => {
              const outcome = outcomes[i];
              expect(outcome?.ok && outcome.value).toBe(
                click.decision === winner ? "accepted" : "conflict",
              );
            });
            expect(bare(thread)).toEqual(bare(cleanThreads.get(winner)?.threads[s.name]));
          }
          const approvedDeploy = run.threads.deploy?.events.some(
            (e) => e.type === "approval_decision" && e.data.approved,
          );
          expect(run.deployments).toHaveLength(approvedDeploy ? 1 : 0);
        },
      ),
      { numRuns: runs(100), seed: SEED },
    );
    // Both kinds of decision won some races: the interleaving really varies.
    expect(wins.approve).toBeGreaterThan(0);
    expect(wins.reject).toBeGreaterThan(0);
    console.info(`concurrent decisions won: ${JSON.stringify(wins)}`);
  });
});
