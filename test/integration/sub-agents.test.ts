import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { cancel } from "../../shared/core/cancel.ts";
import { agentTool, defineAgent, doneForNow } from "../../shared/core/index.ts";
import { appendEvent } from "../../shared/runtime/append-event.ts";
import { reconcileOrphans } from "../../shared/runtime/orphans.ts";
import { deployer, lead, ruleModel } from "../support/sub-agent-fixtures.ts";
import { client, startTestStack } from "./local-stack.ts";

// lead2 -> mid -> (leaf, refused: mid nests one deep only)
const leaf = defineAgent({
  name: "leaf",
  prompt: "Answer.",
  tools: [doneForNow],
  model: ruleModel(() => ({ tool: "done_for_now", args: { message: "leaf" } })),
});
const mid = defineAgent({
  name: "mid",
  prompt: "Delegate.",
  tools: [agentTool(leaf), doneForNow],
  maxDepth: 1,
  model: ruleModel((context) =>
    context.includes("<error")
      ? { tool: "done_for_now", args: { message: "stopped at the depth limit" } }
      : { tool: "leaf", args: { message: "go deeper" } },
  ),
});
const lead2 = defineAgent({
  name: "lead2",
  prompt: "Delegate.",
  tools: [agentTool(mid), doneForNow],
  model: ruleModel((context) =>
    context.includes("<mid_result>")
      ? { tool: "done_for_now", args: { message: "done" } }
      : { tool: "mid", args: { message: "go" } },
  ),
});

// lead3 -> deployer; it gives up when the deploy ends in an error
const lead3 = defineAgent({
  name: "lead3",
  prompt: "Delegate.",
  tools: [agentTool(deployer), doneForNow],
  model: ruleModel((context) =>
    context.includes("<error")
      ? { tool: "done_for_now", args: { message: "gave up" } }
      : { tool: "deployer", args: { message: "deploy the api" } },
  ),
});

describe("sub-agents on the local stack", () => {
  let stack: LocalStack;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    stack = await startTestStack({ agents: [lead, lead2, lead3] });
    api = client(stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("shows the child's approval at the root; approving it finishes the child, then the parent", async () => {
    // Act
    const launched = await api.launch("lead", "release the api");
    const rootId = launched.body.threadId as string;
    await api.waitFor(rootId, "waiting_for_agent");
    const childId = `${rootId}-call_1`;
    await api.waitFor(childId, "waiting_for_approval");
    const root = await api.get(rootId);
    // Assess: the root shows what its tree waits on
    expect(root.body.descendants).toEqual([
      expect.objectContaining({
        threadId: childId,
        agent: "deployer",
        parentThreadId: rootId,
        depth: 1,
        status: "waiting_for_approval",
        pending: expect.objectContaining({ kind: "approval", tool: "deploy" }),
      }),
    ]);
    expect(root.body.children).toEqual([
      expect.objectContaining({ threadId: childId, status: "waiting_for_approval" }),
    ]);
    const listed = await api.request("GET", "/threads?status=waiting_for_agent");
    expect(listed.body.threads.map((t: { threadId: string }) => t.threadId)).toContain(rootId);
    const { callId } = root.body.descendants[0].pending;
    // An answer goes to the child, never the parent
    expect((await api.respond(rootId, { callId, approved: true })).status).toBe(409);
    expect((await api.respond(childId, { callId, approved: true })).status).toBe(202);
    const done = await api.waitFor(rootId, "done");
    expect(done.output).toBe("release done");
    const child = await api.get(childId);
    expect(child.body).toMatchObject({
      status: "done",
      output: "api deployed",
      parent: { threadId: rootId, callId: "call_1", rootThreadId: rootId, depth: 1 },
    });
    const outcomes = done.events.filter((e) => e.type === "tool_result");
    expect(outcomes).toEqual([
      expect.objectContaining({
        data: { callId: "call_1", tool: "deployer", result: "api deployed" },
      }),
    ]);
  });

  it("cancels the child when its parent is cancelled", async () => {
    const launched = await api.launch("lead", "release the api");
    const rootId = launched.body.threadId as string;
    const childId = `${rootId}-call_1`;
    await api.waitFor(childId, "waiting_for_approval");
    // Act
    const cancel = await api.request("POST", `/threads/${rootId}/cancel`, { reason: "stop" });
    // Assess
    expect(cancel.status).toBe(202);
    const child = await api.waitFor(childId, "cancelled");
    expect(child.events.at(-1)).toMatchObject({
      type: "cancelled",
      data: { reason: `its parent thread ${rootId} was cancelled` },
    });
    const root = await api.get(rootId);
    expect(root.body.status).toBe("cancelled");
    expect(root.body.events.at(-1).type).toBe("cancelled");
  });

  it("the reconciler's sweep finishes a cancel cascade and a delete a crash cut short", async () => {
    // Prepare: two trees whose children wait for an approval
    const cut = (await api.launch("lead", "release the api")).body.threadId as string;
    const gone = (await api.launch("lead", "release the web")).body.threadId as string;
    await api.waitFor(`${cut}-call_1`, "waiting_for_approval");
    await api.waitFor(`${gone}-call_1`, "waiting_for_approval");
    // A crash right after each root's write: cancelled with no cascade, deleted without its child
    const { deps } = stack;
    await appendEvent(deps, cut, (thread) => cancel(thread, { reason: "stop" }, deps.clock));
    expect(await deps.store.delete(gone)).toBe(true);
    // Act
    const swept = await reconcileOrphans(deps, { staleAfterMs: 0 });
    // Assess
    expect(swept).toMatchObject({ cancelled: 1, deleted: 1 });
    const child = await api.get(`${cut}-call_1`);
    expect(child.body.status).toBe("cancelled");
    expect(child.body.events.at(-1)).toMatchObject({
      type: "cancelled",
      by: { principal: "reconciler", via: "schedule" },
      data: { reason: `its parent thread ${cut} was cancelled` },
    });
    expect((await api.get(cut)).body.events.at(-1).type).toBe("cancelled");
    expect((await api.get(`${gone}-call_1`)).status).toBe(404);
    // A second sweep finds nothing more to do
    expect(await reconcileOrphans(deps, { staleAfterMs: 0 })).toMatchObject({
      cancelled: 0,
      deleted: 0,
    });
  });

  it("ends the parent's call with an error the model reads when its child is deleted", async () => {
    const rootId = (await api.launch("lead3", "release the api")).body.threadId as string;
    const childId = `${rootId}-call_1`;
    await api.waitFor(childId, "waiting_for_approval");
    // Act
    const deleted = await api.request("DELETE", `/threads/${childId}`);
    // Assess
    expect(deleted.status).toBe(204);
    const done = await api.waitFor(rootId, "done");
    expect(done.output).toBe("gave up");
    expect(done.events).toContainEqual(
      expect.objectContaining({
        type: "error",
        data: expect.objectContaining({
          code: "agent_failed",
          message: `deployer failed: its child thread ${childId} was deleted`,
        }),
      }),
    );
    expect((await api.get(childId)).status).toBe(404);
  });

  it("refuses a call past the depth limit as an error the model reads", async () => {
    const launched = await api.launch("lead2", "go");
    const rootId = launched.body.threadId as string;
    const done = await api.waitFor(rootId, "done");
    expect(done.output).toBe("done");
    const midThread = await api.get(`${rootId}-call_1`);
    expect(midThread.body.events).toContainEqual(
      expect.objectContaining({
        type: "error",
        data: expect.objectContaining({ code: "depth_limit", tool: "leaf" }),
      }),
    );
  });
});
