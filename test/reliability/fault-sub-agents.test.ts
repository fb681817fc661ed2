import { describe, expect, it } from "vitest";
import * as z from "zod";
import {
  agentTool,
  childThreadId,
  defineAgent,
  defineTool,
  deriveStatus,
  doneForNow,
  type Model,
  type ModelRequest,
  type StepMessage,
  type Thread,
  type ThreadEvent,
} from "../../shared/core/index.ts";
import { agentMap } from "../../shared/runtime/agents.ts";
import { cancelThread } from "../../shared/runtime/cancel-thread.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { launchThread } from "../../shared/runtime/launch-thread.ts";
import { MemoryThreadStore } from "../../shared/runtime/memory-store.ts";
import { reconcileOrphans } from "../../shared/runtime/orphans.ts";
import { processStep } from "../../shared/runtime/process-step.ts";
import { respondToThread } from "../../shared/runtime/respond-to-thread.ts";
import { SeededRandom } from "../fault-kit/seeded-random.ts";
import { VirtualClock } from "../fault-kit/virtual-clock.ts";

/**
 * Sub-agents under faults: a parent whose child needs an approval, run by a seeded interleaver
 * that redelivers step messages, crashes invocations before and after their writes, and lets a
 * person approve the child (twice, at times) and another cancel the parent, at random moments.
 * Whatever happens: the child's end reaches the parent once, nothing is appended after a
 * cancellation, and a cancelled parent's child ends too.
 */

class Crash extends Error {}

const isPending = (thread: Thread | undefined): boolean =>
  thread !== undefined && deriveStatus(thread.events) === "waiting_for_approval";

/** A rule-based model: what it answers follows from what the context shows, so steps recompute. */
const ruleModel = (rule: (context: string) => { tool: string; args: unknown }): Model => ({
  next: async (request: ModelRequest) => {
    const context = request.messages.map((m) => m.content).join("\n");
    return { type: "tool_call", ...rule(context) };
  },
});

const sideEffects: string[] = [];
const deploy = defineTool({
  name: "deploy",
  description: "Deploy",
  input: z.object({ service: z.string() }),
  kind: "approval",
  run: ({ service }, { idempotencyKey }) => {
    sideEffects.push(idempotencyKey);
    return `${service} deployed`;
  },
});
const deployer = defineAgent({
  name: "deployer",
  prompt: "Deploy.",
  tools: [deploy, doneForNow],
  model: ruleModel((context) =>
    context.includes("<deploy_result>") || context.includes("<rejected")
      ? { tool: "done_for_now", args: { message: "child finished" } }
      : { tool: "deploy", args: { service: "api" } },
  ),
});
const lead = defineAgent({
  name: "lead",
  prompt: "Delegate.",
  tools: [agentTool(deployer), doneForNow],
  model: ruleModel((context) =>
    context.includes("<deployer_result>") || context.includes("<error")
      ? { tool: "done_for_now", args: { message: "parent finished" } }
      : { tool: "deployer", args: { message: "deploy the api" } },
  ),
});

interface Run {
  parent: Thread;
  child: Thread | undefined;
  cancelledParent: boolean;
  /** Children the reconciler's sweep cancelled after the run (the sweep variant). */
  swept: number;
}

/**
 * `sweep`: the cancel is always sent, never again after a crash (its client gave up), and no
 * one approves the child once the root is cancelled; when the faults pass, the reconciler's
 * sweep runs.
 */
async function simulate(seed: number, crashRate: number, sweep = false): Promise<Run> {
  const random = new SeededRandom(seed);
  const clock = new VirtualClock();
  const memory = new MemoryThreadStore();
  let crashes = 0;
  // Invocations die before or after a write: the write is lost, or its follow-up is.
  const store = Object.assign(Object.create(memory) as MemoryThreadStore, {
    append: async (...args: Parameters<MemoryThreadStore["append"]>) => {
      if (random.chance(crashes / 2)) throw new Crash("before the write");
      const saved = await memory.append(...args);
      if (random.chance(crashes / 2)) throw new Crash("after the write");
      return saved;
    },
    create: async (...args: Parameters<MemoryThreadStore["create"]>) => {
      if (random.chance(crashes / 2)) throw new Crash("before the create");
      const created = await memory.create(...args);
      if (random.chance(crashes / 2)) throw new Crash("after the create");
      return created;
    },
  });
  const inbox: StepMessage[] = [];
  const deps: RuntimeDeps = {
    agents: agentMap([lead]),
    store,
    queue: { enqueue: async (message) => void inbox.push(message) },
    notifier: { threadWaiting: async () => {} },
    clock,
    ids: { threadId: () => `thr_${seed}` },
    random: () => random.next(),
    threadLink: (id) => id,
  };
  const { threadId } = await launchThread(deps, { agent: "lead", message: "ship it" });
  const childId = childThreadId(threadId, "call_1");
  crashes = crashRate;
  let approvals = random.chance(0.3) ? 2 : 1; // a double click, at times
  let cancels = sweep || random.chance(0.5) ? 1 : 0;
  const cancelAfter = random.int(12);
  let retrying = false;
  for (let tick = 0; tick < 400; tick++) {
    clock.advance(1000);
    if (tick > 200) crashes = 0; // the faults pass; the system must settle
    const actions: (() => Promise<void>)[] = [];
    if (inbox.length > 0) {
      actions.push(async () => {
        const index = random.int(inbox.length);
        const message = inbox[index] as StepMessage;
        await processStep(deps, message);
        // Delivered; at times SQS delivers it again.
        if (!random.chance(0.2)) inbox.splice(index, 1);
      });
    }
    const child = await memory.load(childId);
    const asked = child?.events.findLast((e) => e.type === "approval_requested");
    // A person answers what they see; a click that crashed is sent again by their client.
    // In the sweep variant no one approves a child whose root they see cancelled.
    const root = sweep ? await memory.load(threadId) : undefined;
    const approving = !root?.events.some((e) => e.type === "cancelled");
    if (
      approving &&
      approvals > 0 &&
      asked?.type === "approval_requested" &&
      (retrying || isPending(child))
    ) {
      const { callId } = asked.data;
      actions.push(async () => {
        retrying = true;
        try {
          await respondToThread(deps, childId, { callId, approved: true });
        } catch (error) {
          if (error instanceof Crash) return;
          const name = (error as Error).name;
          if (name !== "NotPendingError" && name !== "ThreadClosedError") throw error;
        }
        retrying = false;
        approvals--;
      });
    }
    if (cancels > 0 && tick >= cancelAfter) {
      actions.push(async () => {
        try {
          await cancelThread(deps, threadId, { reason: "stop" });
          cancels--;
        } catch (error) {
          if ((error as Error).name === "ThreadClosedError" || sweep) cancels--;
          if (!(error instanceof Crash) && (error as Error).name !== "ThreadClosedError") {
            throw error;
          }
          // A crashed cancel is sent again by its client.
        }
      });
    }
    const action = actions[random.int(actions.length)];
    if (!action) {
      if (tick > 200) break;
      continue;
    }
    try {
      await action();
    } catch (error) {
      if (!(error instanceof Crash)) throw error;
    }
  }
  let swept = 0;
  if (sweep) {
    swept = (await reconcileOrphans(deps, { staleAfterMs: 0 })).cancelled;
    while (inbox.length > 0) await processStep(deps, inbox.shift() as StepMessage);
  }
  const parent = (await memory.load(threadId)) as Thread;
  return {
    parent,
    child: await memory.load(childId),
    cancelledParent: parent.events.some((e) => e.type === "cancelled"),
    swept,
  };
}

/** What must hold after any run, as sentences naming what broke. */
function broken({ parent, child, cancelledParent }: Run): string[] {
  const problems: string[] = [];
  const outcomes = parent.events.filter(
    (e: ThreadEvent) =>
      (e.type === "tool_result" || e.type === "error") &&
      "callId" in e.data &&
      e.data.callId === "call_1",
  );
  if (outcomes.length > 1) problems.push(`the child's end was appended ${outcomes.length} times`);
  const cancelledAt = parent.events.findIndex((e) => e.type === "cancelled");
  if (cancelledAt >= 0 && cancelledAt < parent.events.length - 1) {
    const after = parent.events.slice(cancelledAt + 1).map((e) => e.type);
    problems.push(`events after the parent's cancellation: ${after.join(", ")}`);
  }
  const childStatus = child ? deriveStatus(child.events) : "none";
  const parentStatus = deriveStatus(parent.events);
  if (!cancelledParent) {
    if (parentStatus !== "done") problems.push(`the parent ended ${parentStatus}, not done`);
    if (childStatus !== "done") problems.push(`the child ended ${childStatus}, not done`);
    if (outcomes.length !== 1) problems.push("the child's end never reached the parent");
  } else if (childStatus !== "done" && childStatus !== "cancelled" && childStatus !== "none") {
    problems.push(`the cancelled parent's child is still ${childStatus}`);
  }
  const runs = new Set(sideEffects.filter((key) => key.startsWith(`${child?.id}:`)));
  if (runs.size > 1) problems.push(`the child's deploy ran under ${runs.size} keys`);
  return problems;
}

describe("sub-agents racing redeliveries, crashes, approvals and a cancel", () => {
  it("hands each child's end to its parent once, and never resumes a cancelled parent", async () => {
    const totals = { runs: 0, cancelled: 0, done: 0 };
    for (let seed = 1; seed <= 150; seed++) {
      sideEffects.length = 0;
      const run = await simulate(seed, 0.15);
      const problems = broken(run);
      if (problems.length > 0) throw new Error(`seed ${seed}:\n${problems.join("\n")}`);
      totals.runs++;
      if (run.cancelledParent) totals.cancelled++;
      else totals.done++;
    }
    // Both endings really happened.
    expect(totals.cancelled).toBeGreaterThan(10);
    expect(totals.done).toBeGreaterThan(10);
    console.info(`sub-agents: ${JSON.stringify(totals)}`);
  });
});

describe("sub-agents: a cancel cascade a crash cut short, then the reconciler's sweep", () => {
  it("leaves nothing running or waiting under a cancelled root", async () => {
    const totals = { runs: 0, cancelled: 0, swept: 0 };
    for (let seed = 1; seed <= 150; seed++) {
      sideEffects.length = 0;
      const run = await simulate(seed, 0.4, true);
      const problems = broken(run);
      if (problems.length > 0) throw new Error(`seed ${seed}:\n${problems.join("\n")}`);
      totals.runs++;
      if (run.cancelledParent) totals.cancelled++;
      if (run.swept > 0) {
        totals.swept++;
        expect(run.child?.events.at(-1)).toMatchObject({
          type: "cancelled",
          by: { principal: "reconciler" },
        });
      }
    }
    // Crashes did cut cascades short, and the sweep finished them.
    expect(totals.swept).toBeGreaterThan(5);
    console.info(`sub-agents, swept: ${JSON.stringify(totals)}`);
  });
});
