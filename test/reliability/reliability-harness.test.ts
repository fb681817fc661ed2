import { beforeAll, describe, expect, it } from "vitest";
import type { StepQueue, ThreadStore } from "../../shared/core/ports.ts";
import { type Deployment, SimulatedDeployTarget } from "../../shared/examples/deploybot/target.ts";
import { type CrashPoint, CrashSchedule } from "../fault-kit/fault-injection.ts";
import { checkRun } from "./support/invariants.ts";
import { standardScenarios } from "./support/scenarios.ts";
import {
  type SimulationOptions,
  type SimulationResult,
  simulate,
  spareLastChances,
} from "./support/simulation.ts";

/**
 * The harness must be able to fail: each test breaks one guarantee the runtime relies on (with a
 * mutant port, the runtime's code untouched) and expects the invariants to catch it within a few
 * seeds. A harness that passes these mutants would pass anything.
 */
let clean: SimulationResult;
beforeAll(async () => {
  clean = await simulate({ scenarios: standardScenarios, seed: 1 });
});

/** Broken invariants of the first `seeds` runs, flattened. */
async function brokenAcross(
  seeds: number,
  options: (seed: number) => Omit<SimulationOptions, "scenarios" | "seed">,
): Promise<string[]> {
  const broken: string[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const run = await simulate({ scenarios: standardScenarios, seed, ...options(seed) });
    broken.push(...checkRun(run, clean));
  }
  return broken;
}

/** Crashes at most opportunities of `points`: every invocation that reaches one dies there. */
const crashesAt = (points: CrashPoint[], seed: number) =>
  new CrashSchedule({
    points,
    at: Array.from({ length: 60 }, (_, i) => i).filter((i) => (i + seed) % 4 !== 0),
    spare: spareLastChances,
  });

/** A store that appends to whatever version it finds: no optimistic concurrency. */
const unconditional = (store: ThreadStore): ThreadStore => ({
  create: (input) => store.create(input),
  load: (id) => store.load(id),
  list: (query) => store.list(query),
  readEvents: (threadId, query) => store.readEvents(threadId, query),
  delete: (threadId) => store.delete(threadId),
  queueMessage: (read, message) => store.queueMessage(read, message),
  append: async (read, events, head) =>
    store.append((await store.load(read.id)) ?? read, events, head),
});

/** A deploy target that ignores idempotency keys. */
class ForgetfulTarget extends SimulatedDeployTarget {
  override deploy(service: Deployment["service"], tag: string, idempotencyKey: string) {
    const deployment = { service, tag, idempotencyKey };
    this.deployments.push(deployment);
    return deployment;
  }
}

/** A queue that loses the second step message of every thread (a purge, a restart). */
function losing(queue: StepQueue): StepQueue {
  const lost = new Set<string>();
  return {
    enqueue: async (message) => {
      if (message.version > 1 && !lost.has(message.threadId)) {
        lost.add(message.threadId);
        return;
      }
      await queue.enqueue(message);
    },
  };
}

describe("the harness catches a broken runtime", () => {
  it("appends without the version condition: events doubled under duplicate deliveries", async () => {
    const broken = await brokenAcross(10, () => ({
      duplicateDelivery: 0.5,
      mutate: { store: unconditional },
    }));
    expect(broken.join("\n")).toMatch(/events differ from the clean run .*an extra event/);
  });

  it("a tool that ignores its idempotency key: deployed twice after a crash after the tool", async () => {
    const broken = await brokenAcross(3, (seed) => ({
      plan: crashesAt(["after_tool"], seed),
      deployTarget: () => new ForgetfulTarget(),
    }));
    expect(broken.join("\n")).toMatch(/deployed [2-5] times for idempotency key thr_deploy:call_3/);
  });

  it("lost step messages without the reconciler: threads stuck in running", async () => {
    const broken = await brokenAcross(2, () => ({
      reconciler: false,
      mutate: { queue: losing },
    }));
    expect(broken.join("\n")).toMatch(/stuck in running after the queue drained/);
  });

  it("lost step messages with the reconciler: every thread still finishes (the control)", async () => {
    const broken = await brokenAcross(5, () => ({ mutate: { queue: losing } }));
    expect(broken).toEqual([]);
  });
});
