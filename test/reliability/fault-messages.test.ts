import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IfRunning } from "../../shared/core/message.ts";
import type { StepQueue, ThreadStore } from "../../shared/core/ports.ts";
import type { Thread } from "../../shared/core/thread.ts";
import { CrashSchedule, crashPoints } from "../fault-kit/fault-injection.ts";
import { runs, SEED } from "./support/budget.ts";
import { checkMessageRun, tally } from "./support/invariants.ts";
import { standardScenarios } from "./support/scenarios.ts";
import { simulate, spareLastChances } from "./support/simulation.ts";

describe("messages racing steps, redeliveries, crashes and people", () => {
  it.each(["enqueue", "interrupt", "reject"] as const)(
    "ifRunning %s: each accepted message once, no tool result forgotten, nothing doubled",
    async (ifRunning: IfRunning) => {
      const totals = { runs: 0, running: 0, accepted: 0, refused: 0, outcomes: {}, crashes: {} };
      await fc.assert(
        fc.asyncProperty(
          fc.nat(),
          fc.uniqueArray(fc.nat({ max: 150 }), { maxLength: 6 }),
          fc.double({ min: 0.05, max: 0.5, noNaN: true }),
          async (seed, at, messageRace) => {
            // Prepare: messages arrive at random ticks while deliveries repeat, people answer,
            // the reconciler races and invocations crash at every point
            const plan = new CrashSchedule({ points: crashPoints, at, spare: spareLastChances });

            // Act
            const run = await simulate({
              scenarios: standardScenarios,
              seed,
              plan,
              messageRace,
              ifRunning,
              duplicateDelivery: 0.3,
              doubleClick: 0.2,
              answerNow: 0.8,
              reconcilerRace: 0.2,
            });

            // Assess
            const broken = checkMessageRun(run);
            totals.runs++;
            for (const message of run.messages) {
              if (message.outcome === "accepted") totals.accepted++;
              if (message.outcome === "refused") totals.refused++;
              if (message.status === "running") totals.running++;
            }
            tally(totals.outcomes, run.outcomes);
            tally(totals.crashes, run.crashes);
            if (broken.length > 0) {
              throw new Error(
                `seed ${seed}, crashes ${JSON.stringify(plan.fired)}:\n${broken.join("\n")}`,
              );
            }
          },
        ),
        { numRuns: runs(120), seed: SEED },
      );
      // The race really happened: messages met running threads (refused, for reject)
      if (ifRunning === "reject") expect(totals.refused).toBeGreaterThan(0);
      else expect(totals.running).toBeGreaterThan(0);
      if (ifRunning === "enqueue")
        expect(totals.outcomes).toMatchObject({ stepped_delivered: expect.any(Number) });
      if (ifRunning === "interrupt") {
        expect(totals.outcomes).toMatchObject({ lost_race_kept: expect.any(Number) });
      }
      console.info(`messages (${ifRunning}): ${JSON.stringify(totals)}`);
    },
  );

  it.each(["enqueue", "interrupt"] as const)(
    "ifRunning %s messages racing cancels and crashes: each accepted one once, before any cancel, no side effect unrecorded",
    async (ifRunning: IfRunning) => {
      const totals = { runs: 0, cancelledWithMessages: 0, outcomes: {}, crashes: {} };
      await fc.assert(
        fc.asyncProperty(
          fc.nat(),
          fc.uniqueArray(fc.nat({ max: 150 }), { maxLength: 6 }),
          async (seed, at) => {
            // Prepare: messages queue behind steps in flight while people cancel threads and
            // invocations crash at every point (kill -9 of a worker)
            const plan = new CrashSchedule({ points: crashPoints, at, spare: spareLastChances });

            // Act
            const run = await simulate({
              scenarios: standardScenarios,
              seed,
              plan,
              messageRace: 0.4,
              cancelRace: 0.05,
              ifRunning,
              duplicateDelivery: 0.3,
              answerNow: 0.8,
              reconcilerRace: 0.2,
            });

            // Assess: a cancelled thread keeps the messages it accepted, all before `cancelled`,
            // and the outcome of every tool that ran (one a killed worker ran too: its message,
            // delivered again after the cancel, records it)
            const broken = checkMessageRun(run);
            for (const thread of Object.values(run.threads)) {
              const at = thread?.events.findIndex((event) => event.type === "cancelled") ?? -1;
              if (!thread || at === -1) continue;
              // Only the outcome of a tool a step in flight ran may follow (fault-cancel checks it)
              const late = thread.events.slice(at + 1);
              const owed = (e: (typeof late)[number]) =>
                e.type === "tool_result" ||
                e.type === "error" ||
                (e.type === "tool_call" && e.data.source === "prefetch");
              if (!late.every(owed))
                broken.push(
                  `${thread.id}: events after cancel: ${late.map((e) => e.type).join(",")}`,
                );
              const said = new Set(
                run.messages.filter((m) => m.threadId === thread.id).map((m) => m.text),
              );
              if (thread.events.some((e) => e.type === "user_message" && said.has(e.data.message)))
                totals.cancelledWithMessages++;
            }
            totals.runs++;
            tally(totals.outcomes, run.outcomes);
            tally(totals.crashes, run.crashes);
            if (broken.length > 0) {
              throw new Error(
                `seed ${seed}, crashes ${JSON.stringify(plan.fired)}:\n${broken.join("\n")}`,
              );
            }
          },
        ),
        { numRuns: runs(80), seed: SEED },
      );
      expect(totals.cancelledWithMessages).toBeGreaterThan(0);
      // A killed worker's call was recorded after a cancel; an interrupting message beat a step
      expect(totals.outcomes).toMatchObject({ settled: expect.any(Number) });
      if (ifRunning === "interrupt") {
        expect(totals.outcomes).toMatchObject({ lost_race_kept: expect.any(Number) });
      }
      console.info(`messages (${ifRunning}) and cancels: ${JSON.stringify(totals)}`);
    },
  );

  it("keeps every accepted message when the step queue drops what was sent beside it", async () => {
    // Prepare: a queue that loses every step message carrying a queued message (as SQS loses
    // one to a stop, a SIGKILL or the dead-letter queue); versions that kept the message only
    // there lost it
    const dropsQueued = (queue: StepQueue): StepQueue => ({
      enqueue: async (message) => (message.queued ? undefined : queue.enqueue(message)),
    });
    const broken: string[] = [];
    let queued = 0;
    for (let seed = 0; seed < 20; seed++) {
      // Act
      const run = await simulate({
        scenarios: standardScenarios,
        seed,
        messageRace: 0.5,
        ifRunning: "enqueue",
        answerNow: 0.8,
        mutate: { queue: dropsQueued },
      });
      broken.push(...checkMessageRun(run).map((line) => `seed ${seed}: ${line}`));
      queued += run.messages.filter((message) => message.status === "running").length;
    }

    // Assess
    expect(broken).toEqual([]);
    expect(queued).toBeGreaterThan(0);
  });

  it("is shown to fail on a store that loses queued messages", async () => {
    const losesQueued = (store: ThreadStore): ThreadStore => ({
      create: (input) => store.create(input),
      load: (threadId) => store.load(threadId),
      append: (read, events, head) => store.append(read, events, head),
      queueMessage: async (read: Thread) => read,
      list: (query) => store.list(query),
      readEvents: (threadId, query) => store.readEvents(threadId, query),
      delete: (threadId) => store.delete(threadId),
    });
    const broken: string[] = [];
    for (let seed = 0; seed < 20 && broken.length === 0; seed++) {
      const run = await simulate({
        scenarios: standardScenarios,
        seed,
        messageRace: 0.5,
        ifRunning: "enqueue",
        answerNow: 0.8,
        mutate: { store: losesQueued },
      });
      broken.push(...checkMessageRun(run));
    }
    expect(broken.join("\n")).toMatch(/a message accepted by the API is in the thread 0 times/);
  });
});
