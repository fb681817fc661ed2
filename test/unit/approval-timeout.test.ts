import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineAgent } from "../../shared/core/agent.ts";
import { ConfigError, NotPendingError } from "../../shared/core/errors.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import type { StepMessage } from "../../shared/core/ports.ts";
import { deriveStatus } from "../../shared/core/thread.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { agentMap } from "../../shared/runtime/agents.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { expireApprovals } from "../../shared/runtime/expire-approvals.ts";
import { launchThread } from "../../shared/runtime/launch-thread.ts";
import { processStep } from "../../shared/runtime/process-step.ts";
import { respondToThread } from "../../shared/runtime/respond-to-thread.ts";
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
