import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineAgent } from "../../shared/core/agent.ts";
import { ConfigError, NotPendingError } from "../../shared/core/errors.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { fork } from "../../shared/core/lifecycle.ts";
import type { StepMessage } from "../../shared/core/ports.ts";
import { deriveStatus, type Thread } from "../../shared/core/thread.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { agentMap } from "../../shared/runtime/agents.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { expireApprovals, expiredApproval } from "../../shared/runtime/expire-approvals.ts";
import { launchThread } from "../../shared/runtime/launch-thread.ts";
import { processStep } from "../../shared/runtime/process-step.ts";
import { respondToThread } from "../../shared/runtime/respond-to-thread.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import { call, MemoryThreadStore, ScriptedModel } from "../../shared/testing/index.ts";

const HOUR = 3_600_000;

const refund = defineTool({
  name: "refund",
  description: "Refund an order; a person approves it within an hour.",
  input: z.object({ orderId: z.string() }),
  kind: "approval",
  approvalTimeoutMs: HOUR,
  run: ({ orderId }) => ({ refunded: orderId }),
});
const refunds = defineAgent({
  name: "refunds",
  prompt: "Refund orders.",
  tools: [refund, doneForNow],
  maxSteps: 5,
});

/** The runtime in memory, with a clock the test moves and a queue it drains by hand. */
function world(model: ScriptedModel) {
  let now = Date.parse("2026-12-01T09:00:00.000Z");
  const queued: StepMessage[] = [];
  const deps: RuntimeDeps = {
    agents: agentMap([refunds]),
    store: new MemoryThreadStore(),
    queue: {
      enqueue: async (message) => {
        queued.push(message);
      },
    },
    notifier: { threadWaiting: async () => {} },
    model,
    clock: { now: () => new Date(now) },
    ids: { threadId: () => "thr_refund" },
    threadLink: (id) => id,
  };
  const drain = async () => {
    for (let message = queued.shift(); message; message = queued.shift()) {
      await processStep(deps, message);
    }
  };
  const advance = (ms: number) => {
    now += ms;
  };
  return { deps, drain, advance };
}

describe("Function: expireApprovals", () => {
  it("rejects an approval nobody decided in time, saying so, and the loop goes on", async () => {
    // Prepare
    const model = new ScriptedModel([
      call("refund", { orderId: "A-1" }),
      (request) => {
        expect(request.messages.at(-1)?.content).toContain(
          '<rejected tool="refund">\nexpired: no decision within 1 h\n</rejected>',
        );
        return call("done_for_now", { message: "Nobody approved the refund in time." });
      },
    ]);
    const { deps, drain, advance } = world(model);
    const { threadId } = await launchThread(deps, { agent: "refunds", message: "Refund A-1" });
    await drain();
    advance(HOUR - 1);
    expect(await expireApprovals(deps)).toEqual({ checked: 1, expired: 0 });

    // Act
    advance(1);
    const swept = await expireApprovals(deps);
    await drain();

    // Assess
    expect(swept).toEqual({ checked: 1, expired: 1 });
    const thread = await deps.store.load(threadId);
    expect(thread?.events.find((e) => e.type === "approval_decision")).toMatchObject({
      data: { approved: false, comment: "expired: no decision within 1 h" },
    });
    expect(deriveStatus(thread?.events ?? [])).toBe("done");
    model.assertDone();
    await expect(
      respondToThread(deps, threadId, { callId: "call_1", approved: true }),
    ).rejects.toThrow(NotPendingError);
  });

  it("leaves an approval that was decided alone, however old its request", async () => {
    const model = new ScriptedModel([call("refund", { orderId: "A-1" })]);
    const { deps, drain, advance } = world(model);
    const { threadId } = await launchThread(deps, { agent: "refunds", message: "Refund A-1" });
    await drain();
    await respondToThread(deps, threadId, { callId: "call_1", approved: false, comment: "no" });
    advance(2 * HOUR);
    expect(await expireApprovals(deps)).toEqual({ checked: 0, expired: 0 });
  });
});

describe("Function: expiredApproval", () => {
  it("counts a forked approval from the fork's request, not the source's", async () => {
    const model = new ScriptedModel([call("refund", { orderId: "A-1" })]);
    const { deps, drain, advance } = world(model);
    const { threadId } = await launchThread(deps, { agent: "refunds", message: "Refund A-1" });
    await drain();
    const source = (await deps.store.load(threadId)) as Thread;
    advance(HOUR - 1);
    const copy = fork(source, {
      version: source.events.length,
      threadId: "thr_2",
      clock: deps.clock,
    });
    advance(1);
    expect(expiredApproval(source, refunds, deps.clock.now())).toMatchObject({ approved: false });
    expect(expiredApproval(copy, refunds, deps.clock.now())).toBeNull();
    advance(HOUR - 1);
    expect(expiredApproval(copy, refunds, deps.clock.now())).toEqual({
      callId: "call_1",
      approved: false,
      comment: "expired: no decision within 1 h",
    });
  });
});

describe("Function: createRunner (approvalTimeoutMs)", () => {
  /** A runner over `refunds` whose clock the test moves. */
  function runner(model: ScriptedModel) {
    let now = Date.parse("2026-12-01T09:00:00.000Z");
    const store = new MemoryThreadStore();
    const run = createRunner({
      agents: [refunds],
      model,
      store,
      clock: { now: () => new Date(now) },
    });
    const advance = (ms: number) => {
      now += ms;
    };
    return { run, store, advance };
  }

  it("rejects an expired approval on its next touch: a late approval finds nothing pending", async () => {
    // Prepare
    const model = new ScriptedModel([
      call("refund", { orderId: "A-1" }),
      call("done_for_now", { message: "Nobody approved the refund in time." }),
    ]);
    const { run, advance } = runner(model);
    const paused = await run.launch("refunds", "Refund A-1");
    advance(HOUR);

    // Act
    const late = run.respond(paused.threadId, { callId: "call_1", approved: true });

    // Assess
    await expect(late).rejects.toThrow(NotPendingError);
    const thread = await run.get(paused.threadId);
    expect(thread.events.filter((e) => e.type === "tool_result")).toEqual([]);
    expect(thread.events.find((e) => e.type === "approval_decision")).toMatchObject({
      by: { principal: "approval-timeout", via: "runner" },
      data: { approved: false, comment: "expired: no decision within 1 h" },
    });
    expect(thread).toMatchObject({ status: "done", output: "Nobody approved the refund in time." });
  });

  it("expires on get too, and leaves an approval still in time alone", async () => {
    const model = new ScriptedModel([
      call("refund", { orderId: "A-1" }),
      call("done_for_now", { message: "expired" }),
    ]);
    const { run, advance } = runner(model);
    const paused = await run.launch("refunds", "Refund A-1");
    advance(HOUR - 1);
    expect((await run.get(paused.threadId)).status).toBe("waiting_for_approval");
    advance(1);
    expect(await run.get(paused.threadId)).toMatchObject({ status: "done", output: "expired" });
  });
});

describe("Function: defineTool (approvalTimeoutMs)", () => {
  it.each([
    [{ kind: "sync" as const, approvalTimeoutMs: HOUR }, /approvalTimeoutMs is for approval tools/],
    [{ kind: "approval" as const, approvalTimeoutMs: 0 }, /must be a positive integer/],
    [{ kind: "approval" as const, approvalTimeoutMs: 1.5 }, /must be a positive integer/],
  ])("refuses %j", (options, message) => {
    const define = () =>
      defineTool({
        name: "t",
        description: "d",
        input: z.object({}),
        run: () => null,
        ...options,
      });
    expect(define).toThrow(ConfigError);
    expect(define).toThrow(message);
  });
});
