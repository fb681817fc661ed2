import { describe, expect, it } from "vitest";
import type { StepMessage, ThreadStore } from "../../shared/core/ports.ts";
import { derivePending, deriveStatus } from "../../shared/core/thread.ts";
import { DemoModel } from "../../shared/examples/demo-model.ts";
import { createDeploybot } from "../../shared/examples/deploybot/index.ts";
import { SimulatedDeployTarget } from "../../shared/examples/deploybot/target.ts";
import { cancelThread } from "../../shared/runtime/cancel-thread.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { launchThread } from "../../shared/runtime/launch-thread.ts";
import { processStep } from "../../shared/runtime/process-step.ts";
import { respondToThread } from "../../shared/runtime/respond-to-thread.ts";
import { MemoryThreadStore, steppingClock } from "../../shared/testing/index.ts";

/** A deploy target that counts the runs of its deploy tool (each key deploys once). */
class CountingTarget extends SimulatedDeployTarget {
  runs: string[] = [];
  override deploy(...args: Parameters<SimulatedDeployTarget["deploy"]>) {
    this.runs.push(args[2]);
    return super.deploy(...args);
  }
}

/** A store whose appends die while `dead` is set: the invocation is killed before it saves. */
function killable(store: ThreadStore) {
  const state = { dead: false };
  const wrapped: ThreadStore = {
    create: (input) => store.create(input),
    load: (threadId) => store.load(threadId),
    list: (query) => store.list(query),
    readEvents: (threadId, query) => store.readEvents(threadId, query),
    delete: (threadId) => store.delete(threadId),
    queueMessage: (read, message) => store.queueMessage(read, message),
    append: async (read, events, head) => {
      if (state.dead) throw new Error("killed (kill -9) before the append");
      return store.append(read, events, head);
    },
  };
  return { store: wrapped, state };
}

async function approvedDeploy() {
  const target = new CountingTarget();
  const deploybot = createDeploybot(target);
  const memory = new MemoryThreadStore();
  const { store, state } = killable(memory);
  const sent: StepMessage[] = [];
  const deps: RuntimeDeps = {
    agents: new Map([[deploybot.name, deploybot]]),
    store,
    queue: { enqueue: async (message) => void sent.push(message) },
    notifier: { threadWaiting: async () => {} },
    model: new DemoModel(),
    clock: steppingClock(),
    ids: { threadId: () => "thr_deploy" },
    threadLink: (id) => `https://twelve.test/threads/${id}`,
  };
  const { threadId } = await launchThread(deps, {
    agent: "deploybot",
    message: "Deploy v1.1.0 to the backend",
  });
  for (let message = sent.shift(); message; message = sent.shift()) {
    await processStep(deps, message);
  }
  const waiting = await memory.load(threadId);
  const callId = waiting ? derivePending(waiting.events)?.callId : undefined;
  await respondToThread(deps, threadId, { callId: callId ?? "", approved: true });
  const step = sent.shift();
  if (!step || !callId) throw new Error("the deploy bot did not ask for, or step after, approval");
  return { deps, memory, state, target, threadId, callId, step };
}

describe("Function: processStep on a thread cancelled while its approved call ran", () => {
  it("runs the call again under its key after a kill, and records its result after the cancel", async () => {
    // Prepare: the approved step deploys, then its invocation dies before the append
    const { deps, memory, state, target, threadId, callId, step } = await approvedDeploy();
    state.dead = true;
    await expect(processStep(deps, step)).rejects.toThrow(/killed/);
    state.dead = false;
    await cancelThread(deps, threadId);

    // Act: SQS delivers the step's message again
    const outcome = await processStep(deps, step);
    const again = await processStep(deps, step);

    // Assess: one deployment, two runs of its key; its result after `cancelled`, once
    const thread = await memory.load(threadId);
    const types = thread?.events.map((e) => e.type) ?? [];
    expect([outcome, again]).toEqual(["settled", "stale"]);
    expect(types.slice(-3)).toEqual(["approval_decision", "cancelled", "tool_result"]);
    expect(thread?.events.at(-1)).toMatchObject({ data: { callId, tool: "deploy_backend" } });
    expect(deriveStatus(thread?.events ?? [])).toBe("cancelled");
    expect(target.runs).toEqual([`${threadId}:${callId}`, `${threadId}:${callId}`]);
    expect(target.deployments).toHaveLength(1);
  });

  it("runs a call owed when the cancel landed once, its result after the cancel", async () => {
    // Prepare: the cancel lands before the approved step is delivered at all
    const { deps, memory, target, threadId, step } = await approvedDeploy();
    await cancelThread(deps, threadId);

    // Act
    const outcome = await processStep(deps, step);

    // Assess: no delivery can tell it was the first, so the call runs and is recorded
    const thread = await memory.load(threadId);
    expect(outcome).toBe("settled");
    expect(thread?.events.slice(-2).map((e) => e.type)).toEqual(["cancelled", "tool_result"]);
    expect(target.deployments).toHaveLength(1);
  });
});
