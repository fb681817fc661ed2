import { describe, expect, it } from "vitest";
import { defineAgent } from "../../shared/core/agent.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import type { StepMessage, ThreadStore } from "../../shared/core/ports.ts";
import { derivePending, deriveStatus } from "../../shared/core/thread.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { DemoModel } from "../../shared/examples/demo-model.ts";
import { createDeploybot } from "../../shared/examples/deploybot/index.ts";
import { SimulatedDeployTarget } from "../../shared/examples/deploybot/target.ts";
import { cancelThread } from "../../shared/runtime/cancel-thread.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { launchThread } from "../../shared/runtime/launch-thread.ts";
import { processStep } from "../../shared/runtime/process-step.ts";
import { resumeCancelledCalls } from "../../shared/runtime/reconcile.ts";
import { respondToThread } from "../../shared/runtime/respond-to-thread.ts";
import {
  call,
  MemoryThreadStore,
  ScriptedModel,
  steppingClock,
} from "../../shared/testing/index.ts";
import { beforeAppend } from "../support/append-hook.ts";

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
  const wrapped = beforeAppend(store, () => {
    if (state.dead) throw new Error("killed (kill -9) before the append");
  });
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

describe("Function: resumeCancelledCalls (a start-up after the queue lost its messages)", () => {
  it("sends the lost step of a call owed at the cancel again, once, and nothing for the rest", async () => {
    // Prepare: the approved step deploys and dies, the thread is cancelled, and the stop loses
    // the step's message (the local queue lives in memory)
    const { deps, memory, state, target, threadId, callId, step } = await approvedDeploy();
    state.dead = true;
    await expect(processStep(deps, step)).rejects.toThrow(/killed/);
    state.dead = false;
    await cancelThread(deps, threadId);
    const sent: StepMessage[] = [];
    const queue = { enqueue: async (message: StepMessage) => void sent.push(message) };

    // Act: the start-up sweep, the worker, and the sweep of the next start
    const first = await resumeCancelledCalls({ store: deps.store, queue });
    const outcome = await processStep(deps, sent[0] as StepMessage);
    const next = await resumeCancelledCalls({ store: deps.store, queue });

    // Assess: the call ran again under its key, its result after `cancelled`; then nothing owed
    expect(first).toEqual({ checked: 1, enqueued: 1 });
    expect(sent).toEqual([{ threadId, version: step.version }]);
    expect(outcome).toBe("settled");
    const thread = await memory.load(threadId);
    expect(thread?.events.slice(-2).map((e) => e.type)).toEqual(["cancelled", "tool_result"]);
    expect(target.runs).toEqual([`${threadId}:${callId}`, `${threadId}:${callId}`]);
    expect(next).toEqual({ checked: 1, enqueued: 0 });
  });
});

describe("Function: processStep, a cancelled thread's owed MCP call with its server down", () => {
  it("throws to come back while the server cannot be listed, then records the call once it can", async () => {
    // Prepare: an MCP tool runs, the invocation dies before the append, the thread is cancelled
    const runs: string[] = [];
    let up = true;
    const charge = defineTool({
      name: "charge",
      description: "Charge the card",
      parameters: { type: "object", properties: {} },
      kind: "sync",
      run: (_args, { idempotencyKey }) => {
        runs.push(idempotencyKey);
        return "charged";
      },
    });
    const agent = defineAgent({
      name: "billing",
      prompt: "Bill.",
      tools: [doneForNow],
      mcp: [
        {
          name: "payments",
          tools: async () => {
            if (!up) throw new Error("connect ECONNREFUSED 10.0.0.7:443");
            return [charge];
          },
        },
      ],
    });
    const memory = new MemoryThreadStore();
    const { store, state } = killable(memory);
    const sent: StepMessage[] = [];
    const deps: RuntimeDeps = {
      agents: new Map([[agent.name, agent]]),
      store,
      queue: { enqueue: async (message) => void sent.push(message) },
      notifier: { threadWaiting: async () => {} },
      model: new ScriptedModel([call("charge", {}), call("done_for_now", { message: "ok" })]),
      clock: steppingClock(),
      ids: { threadId: () => "thr_bill" },
      threadLink: (id) => `https://twelve.test/threads/${id}`,
    };
    const { threadId } = await launchThread(deps, { agent: "billing", message: "charge it" });
    await processStep(deps, sent.shift() as StepMessage);
    const owedStep = sent.shift() as StepMessage;
    state.dead = true;
    await expect(processStep(deps, owedStep)).rejects.toThrow(/killed/);
    state.dead = false;
    await cancelThread(deps, threadId);

    // Act: delivered again while the server is down, then once it is back
    up = false;
    await expect(processStep(deps, owedStep)).rejects.toThrow(/waits for its tools/);
    up = true;
    const outcome = await processStep(deps, owedStep);

    // Assess: the call ran again under its key, and its result follows the cancel
    const thread = await memory.load(threadId);
    expect(outcome).toBe("settled");
    expect(runs).toEqual([`${threadId}:call_2`, `${threadId}:call_2`]);
    expect(thread?.events.slice(-2).map((event) => event.type)).toEqual([
      "cancelled",
      "tool_result",
    ]);
  });
});
