import { describe, expect, it } from "vitest";
import * as z from "zod";
import { cancel } from "../../shared/core/cancel.ts";
import {
  agentTool,
  childThreadId,
  defineAgent,
  defineTool,
  deriveHead,
  doneForNow,
} from "../../shared/core/index.ts";
import { appendEvent } from "../../shared/runtime/append-event.ts";
import { reconcileOrphans } from "../../shared/runtime/orphans.ts";
import { failPoisonedStep } from "../../shared/runtime/poison.ts";
import { respondToThread } from "../../shared/runtime/respond-to-thread.ts";
import { createRunner, runnerHost } from "../../shared/runtime/runner.ts";
import { reconcileChildren, waitingDescendants } from "../../shared/runtime/sub-agents.ts";
import {
  call,
  childRequested,
  MemoryThreadStore,
  ScriptedModel,
  toolCall,
  userMessage,
} from "../../shared/testing/index.ts";
import { deployer, ruleModel } from "../support/sub-agent-fixtures.ts";

const deploy = defineTool({
  name: "deploy",
  description: "Deploy a service",
  input: z.object({ service: z.string() }),
  kind: "approval",
  run: ({ service }) => `deployed ${service}`,
});

/** A child that deploys after approval, and a parent that delegates to it. */
function tree(
  childScript: ConstructorParameters<typeof ScriptedModel>[0],
  parentScript: typeof childScript,
) {
  const childModel = new ScriptedModel(childScript);
  const parentModel = new ScriptedModel(parentScript);
  const deployer = defineAgent({
    name: "deployer",
    prompt: "Deploy what you are asked.",
    tools: [deploy, doneForNow],
    model: childModel,
  });
  const lead = defineAgent({
    name: "lead",
    prompt: "Delegate deploys.",
    tools: [agentTool(deployer), doneForNow],
    model: parentModel,
  });
  return { lead, deployer, childModel, parentModel };
}

describe("Function: agentTool (createRunner end to end)", () => {
  it("runs the child as a thread, shows its approval at the root, and resumes the parent once", async () => {
    // Prepare
    const { lead, childModel, parentModel } = tree(
      [call("deploy", { service: "api" }), call("done_for_now", { message: "api is out" })],
      [
        call("deployer", { message: "deploy the api" }),
        call("done_for_now", { message: "the deployer says: api is out" }),
      ],
    );
    const runner = createRunner({ agents: [lead] });
    // Act
    const parent = await runner.launch("lead", "ship the api");
    // Assess: the parent waits for its child, which waits for a person
    expect(parent.status).toBe("waiting_for_agent");
    const childId = childThreadId(parent.threadId, "call_1");
    const child = await runner.get(childId);
    expect(child).toMatchObject({
      status: "waiting_for_approval",
      pending: { kind: "approval", tool: "deploy" },
    });
    expect(child.events[0]).toMatchObject({
      type: "user_message",
      data: {
        message: "deploy the api",
        parent: {
          threadId: parent.threadId,
          callId: "call_1",
          rootThreadId: parent.threadId,
          depth: 1,
        },
      },
    });
    const { deps } = runnerHost(runner);
    const root = await deps.store.load(parent.threadId);
    const waiting = await waitingDescendants(deps, root as NonNullable<typeof root>);
    expect(waiting).toEqual([
      expect.objectContaining({
        threadId: childId,
        status: "waiting_for_approval",
        depth: 1,
        callback: null,
      }),
    ]);
    // An answer sent to the root for the child's call names the child, and changes nothing
    const callId = child.pending?.callId as string;
    await expect(runner.respond(parent.threadId, { callId, approved: true })).rejects.toMatchObject(
      { code: "not_pending", message: `${callId} is asked on thread ${childId}; answer it there` },
    );
    expect((await runner.get(childId)).status).toBe("waiting_for_approval");
    // A person answers on the child: the child ends, then the parent
    const answered = await runner.respond(childId, { callId, approved: true });
    expect(answered).toMatchObject({ status: "done", output: "api is out" });
    const done = await runner.get(parent.threadId);
    expect(done).toMatchObject({ status: "done", output: "the deployer says: api is out" });
    const results = done.events.filter((e) => e.type === "tool_result");
    expect(results).toEqual([
      expect.objectContaining({
        data: { callId: "call_1", tool: "deployer", result: "api is out" },
      }),
    ]);
    childModel.assertDone();
    parentModel.assertDone();
  });

  it("shows a child's callback wait at the root, and answering it there names the child", async () => {
    // Prepare
    const ci = defineTool({
      name: "run_ci",
      description: "Run CI; it calls back",
      input: z.object({ ref: z.string() }),
      kind: "callback",
      timeoutMs: 60_000,
      result: z.object({ status: z.string() }),
      start: () => {},
    });
    const tester = defineAgent({
      name: "tester",
      prompt: "Test.",
      tools: [ci, doneForNow],
      model: new ScriptedModel([call("run_ci", { ref: "main" })]),
    });
    const lead = defineAgent({
      name: "lead",
      prompt: "Delegate.",
      tools: [agentTool(tester), doneForNow],
      model: new ScriptedModel([call("tester", { message: "test main" })]),
    });
    const runner = createRunner({ agents: [lead] });
    const parent = await runner.launch("lead", "test it");
    const childId = childThreadId(parent.threadId, "call_1");
    const root = await runnerHost(runner).deps.store.load(parent.threadId);
    // Act
    const waiting = await waitingDescendants(
      runnerHost(runner).deps,
      root as NonNullable<typeof root>,
    );
    // Assess
    expect(waiting).toEqual([
      expect.objectContaining({
        threadId: childId,
        status: "waiting_for_callback",
        pending: null,
        callback: expect.objectContaining({
          callId: "call_1",
          tool: "run_ci",
          args: { ref: "main" },
        }),
      }),
    ]);
    expect(waiting[0]?.callback?.expiresAt).toEqual(expect.any(String));
    await expect(
      runner.respond(parent.threadId, { callId: "call_1", result: { status: "passed" } }),
    ).rejects.toThrow(`call_1 is asked on thread ${childId}; answer it there`);
  });

  it("cancels the waiting child with its parent, and never resumes the cancelled parent", async () => {
    const { lead } = tree(
      [call("deploy", { service: "api" })],
      [call("deployer", { message: "go" })],
    );
    const runner = createRunner({ agents: [lead] });
    const parent = await runner.launch("lead", "ship it");
    const childId = childThreadId(parent.threadId, "call_1");
    // Act
    const cancelled = await runner.cancel(parent.threadId, { reason: "changed my mind" });
    // Assess
    expect(cancelled.status).toBe("cancelled");
    const child = await runner.get(childId);
    expect(child.status).toBe("cancelled");
    expect(child.events.at(-1)).toMatchObject({
      type: "cancelled",
      data: { reason: `its parent thread ${parent.threadId} was cancelled` },
    });
    const after = await runner.get(parent.threadId);
    expect(after.events.map((e) => e.type)).toEqual(cancelled.events.map((e) => e.type));
    expect(after.events.some((e) => e.type === "error" || e.type === "tool_result")).toBe(false);
  });

  it("hands a child cancelled on its own to the parent as a compact error, and the parent goes on", async () => {
    const { lead, parentModel } = tree(
      [call("deploy", { service: "api" })],
      [
        call("deployer", { message: "go" }),
        call("done_for_now", { message: "the deploy was stopped" }),
      ],
    );
    const runner = createRunner({ agents: [lead] });
    const parent = await runner.launch("lead", "ship it");
    // Act
    await runner.cancel(childThreadId(parent.threadId, "call_1"), { reason: "not today" });
    // Assess
    const after = await runner.get(parent.threadId);
    expect(after.status).toBe("done");
    expect(after.events.find((e) => e.type === "error")).toMatchObject({
      data: {
        code: "agent_failed",
        message: "deployer was cancelled: not today",
        callId: "call_1",
      },
    });
    parentModel.assertDone();
  });

  it("refuses a call past the depth limit as an error the model reads", async () => {
    // Prepare: lead -> mid -> leaf, where mid may nest one deep only
    const leaf = defineAgent({
      name: "leaf",
      prompt: "Answer.",
      tools: [doneForNow],
      model: new ScriptedModel([]),
    });
    const midModel = new ScriptedModel([
      call("leaf", { message: "deeper" }), // depth 2: refused
      call("done_for_now", { message: "stopped at the limit" }),
    ]);
    const mid = defineAgent({
      name: "mid",
      prompt: "Delegate.",
      tools: [agentTool(leaf), doneForNow],
      maxDepth: 1,
      model: midModel,
    });
    const leadModel = new ScriptedModel([
      call("mid", { message: "go" }),
      call("done_for_now", { message: "done" }),
    ]);
    const lead = defineAgent({
      name: "lead",
      prompt: "Delegate.",
      tools: [agentTool(mid), doneForNow],
      model: leadModel,
    });
    const runner = createRunner({ agents: [lead] });
    // Act
    const run = await runner.launch("lead", "go");
    // Assess
    expect(run).toMatchObject({ status: "done", output: "done" });
    const child = await runner.get(childThreadId(run.threadId, "call_1"));
    expect(child.events.find((e) => e.type === "error")).toMatchObject({
      data: { code: "depth_limit", tool: "leaf" },
    });
    expect(child.events.some((e) => e.type === "child_requested")).toBe(false);
    midModel.assertDone();
    leadModel.assertDone();
  });

  it("deletes the children with their parent", async () => {
    const { lead } = tree(
      [call("deploy", { service: "api" })],
      [call("deployer", { message: "go" })],
    );
    const store = new MemoryThreadStore();
    const runner = createRunner({ agents: [lead], store });
    const parent = await runner.launch("lead", "ship it");
    await runner.delete(parent.threadId);
    expect(await store.load(childThreadId(parent.threadId, "call_1"))).toBeUndefined();
  });

  it("launches a new child for a fork taken while a child ran", async () => {
    const { lead } = tree(
      [call("deploy", { service: "api" }), call("deploy", { service: "api" })],
      [call("deployer", { message: "go" })],
    );
    const runner = createRunner({ agents: [lead] });
    const parent = await runner.launch("lead", "ship it");
    const fork = await runner.fork(parent.threadId);
    expect(fork.status).toBe("waiting_for_agent");
    const forkChild = await runner.get(childThreadId(fork.threadId, "call_1"));
    expect(forkChild).toMatchObject({ status: "waiting_for_approval" });
    expect(forkChild.events[0]).toMatchObject({ data: { parent: { threadId: fork.threadId } } });
  });

  it("hands a child the runtime gives up on (a poisoned step) to its parent, which goes on", async () => {
    const { lead, parentModel } = tree(
      [call("deploy", { service: "api" })],
      [call("deployer", { message: "go" }), call("done_for_now", { message: "the deploy failed" })],
    );
    const runner = createRunner({ agents: [lead] });
    const host = runnerHost(runner);
    const parent = await runner.launch("lead", "ship it");
    const childId = childThreadId(parent.threadId, "call_1");
    const child = await runner.get(childId);
    // The approval is saved, then every delivery of the child's next step fails
    const { status } = await respondToThread(host.deps, childId, {
      callId: child.pending?.callId as string,
      approved: true,
    });
    expect(status).toBe("running");
    // Act
    const marked = await failPoisonedStep(
      host.deps,
      { threadId: childId, version: child.events.length + 1 },
      "poisoned",
    );
    // Assess
    expect(marked).toBe(true);
    const after = await host.run(parent.threadId);
    expect(after).toMatchObject({ status: "done", output: "the deploy failed" });
    expect(after.events.find((e) => e.type === "error")).toMatchObject({
      data: { code: "agent_failed", message: "deployer failed: poisoned", callId: "call_1" },
    });
    parentModel.assertDone();
  });

  it("launches, from the reconciler's sweep, a child a crash left uncreated", async () => {
    // Prepare: the parent's step was saved, then the invocation died before the child existed
    const { lead } = tree([call("deploy", { service: "api" })], []);
    const runner = createRunner({ agents: [lead] });
    const host = runnerHost(runner);
    const events = [
      userMessage("ship it"),
      toolCall("call_1", "deployer", { message: "go" }),
      childRequested("call_1", "deployer", "go"),
    ];
    await host.deps.store.create({
      thread: { id: "thr_stuck", agent: "lead", events },
      head: deriveHead(events),
    });
    // Act
    const swept = await reconcileChildren(host.deps, { staleAfterMs: 0 });
    // Assess
    expect(swept).toEqual({ checked: 1, relaunched: 1 });
    const child = await host.run("thr_stuck-call_1");
    expect(child).toMatchObject({ status: "waiting_for_approval", pending: { tool: "deploy" } });
  });

  it("ends the waiting parent's call when its child is deleted; the sweep launches nothing again", async () => {
    // Prepare
    const { lead, parentModel } = tree(
      [call("deploy", { service: "api" })],
      [
        call("deployer", { message: "deploy the api" }),
        call("done_for_now", { message: "the deploy was deleted" }),
      ],
    );
    const runner = createRunner({ agents: [lead] });
    const host = runnerHost(runner);
    const parent = await runner.launch("lead", "ship the api");
    const childId = childThreadId(parent.threadId, "call_1");
    // Act
    await runner.delete(childId);
    // Assess: the model read why, and finished
    const after = await runner.get(parent.threadId);
    expect(after).toMatchObject({ status: "done", output: "the deploy was deleted" });
    expect(after.events.find((e) => e.type === "error")).toMatchObject({
      data: {
        code: "agent_failed",
        message: `deployer failed: its child thread ${childId} was deleted`,
        callId: "call_1",
      },
    });
    await expect(runner.get(childId)).rejects.toThrow(/not found|no thread/i);
    expect(await reconcileChildren(host.deps, { staleAfterMs: 0 })).toEqual({
      checked: 0,
      relaunched: 0,
    });
    parentModel.assertDone();
  });

  it("leaves the parent's call alone when a fork of its child is deleted: the real child still waits", async () => {
    // Prepare: the lead waits on its child, which waits for an approval; someone forks the child
    const { lead } = tree(
      [call("deploy", { service: "api" })],
      [call("deployer", { message: "deploy the api" })],
    );
    const runner = createRunner({ agents: [lead] });
    const host = runnerHost(runner);
    const parent = await runner.launch("lead", "ship the api");
    const childId = childThreadId(parent.threadId, "call_1");
    const fork = await runner.fork(childId);
    expect(fork.status).toBe("waiting_for_approval");
    // Act
    await runner.delete(fork.threadId);
    // Assess: the lead still waits on its real child, and the sweep leaves both alone
    const after = await runner.get(parent.threadId);
    expect(after.status).toBe("waiting_for_agent");
    expect(after.events.some((e) => e.type === "error")).toBe(false);
    expect((await runner.get(childId)).status).toBe("waiting_for_approval");
    expect(await reconcileOrphans(host.deps, { staleAfterMs: 0 })).toMatchObject({
      cancelled: 0,
      deleted: 0,
    });
  });

  it("never hands a fork's end to the parent: the parent waits for its real child", async () => {
    // Prepare: the lead waits on its child; someone forks the child and approves the fork's deploy
    const { lead } = tree(
      [call("deploy", { service: "api" }), call("done_for_now", { message: "fork deployed" })],
      [call("deployer", { message: "deploy the api" })],
    );
    const runner = createRunner({ agents: [lead] });
    const parent = await runner.launch("lead", "ship the api");
    const childId = childThreadId(parent.threadId, "call_1");
    const fork = await runner.fork(childId);
    // Act
    const ended = await runner.respond(fork.threadId, {
      callId: fork.pending?.callId as string,
      approved: true,
    });
    // Assess
    expect(ended).toMatchObject({ status: "done", output: "fork deployed" });
    const after = await runner.get(parent.threadId);
    expect(after.status).toBe("waiting_for_agent");
    expect(after.events.some((e) => e.type === "tool_result")).toBe(false);
    expect((await runner.get(childId)).status).toBe("waiting_for_approval");
  });

  it("sweeps no child a person reopened after it ended: its parent had that end already", async () => {
    // Prepare: the child deploys, is done, the lead finishes; then a person asks the child again
    const { lead } = tree(
      [
        call("deploy", { service: "api" }),
        call("done_for_now", { message: "deployed" }),
        call("deploy", { service: "web" }),
      ],
      [
        call("deployer", { message: "deploy the api" }),
        call("done_for_now", { message: "shipped" }),
      ],
    );
    const runner = createRunner({ agents: [lead] });
    const host = runnerHost(runner);
    const parent = await runner.launch("lead", "ship the api");
    const childId = childThreadId(parent.threadId, "call_1");
    const pending = (await runner.get(childId)).pending;
    await runner.respond(childId, { callId: pending?.callId as string, approved: true });
    expect(await runner.get(parent.threadId)).toMatchObject({ status: "done", output: "shipped" });
    const reopened = await runner.message(childId, "deploy the web too");
    expect(reopened.status).toBe("waiting_for_approval");
    // Act
    const swept = await reconcileOrphans(host.deps, { staleAfterMs: 0 });
    // Assess
    expect(swept).toMatchObject({ cancelled: 0, deleted: 0 });
    expect((await runner.get(childId)).status).toBe("waiting_for_approval");
  });

  /** A root waiting for a person after its child ended, and that child reopened by a person. */
  async function reopenedTree() {
    const confirm = defineTool({
      name: "confirm",
      description: "Ask a person to confirm",
      input: z.object({}),
      kind: "approval",
      run: () => "confirmed",
    });
    const { deployer } = tree(
      [
        call("deploy", { service: "api" }),
        call("done_for_now", { message: "deployed" }),
        call("deploy", { service: "web" }),
      ],
      [],
    );
    const lead = defineAgent({
      name: "lead",
      prompt: "Delegate deploys.",
      tools: [agentTool(deployer), confirm, doneForNow],
      model: new ScriptedModel([
        call("deployer", { message: "deploy the api" }),
        call("confirm", {}),
      ]),
    });
    const runner = createRunner({ agents: [lead] });
    const parent = await runner.launch("lead", "ship the api");
    const childId = childThreadId(parent.threadId, "call_1");
    const pending = (await runner.get(childId)).pending;
    await runner.respond(childId, { callId: pending?.callId as string, approved: true });
    expect((await runner.get(parent.threadId)).status).toBe("waiting_for_approval");
    const reopened = await runner.message(childId, "deploy the web too");
    expect(reopened.status).toBe("waiting_for_approval");
    return { runner, rootId: parent.threadId, childId };
  }

  it("cancels a child a person reopened when its root is cancelled", async () => {
    const { runner, rootId, childId } = await reopenedTree();
    // Act
    await runner.cancel(rootId, { reason: "stop everything" });
    // Assess: the reopened child is cancelled with its root, which gets nothing more from it
    const child = await runner.get(childId);
    expect(child.status).toBe("cancelled");
    expect(child.events.at(-1)).toMatchObject({
      type: "cancelled",
      data: { reason: `its parent thread ${rootId} was cancelled` },
    });
    const root = await runner.get(rootId);
    expect(root.status).toBe("cancelled");
    expect(root.events.filter((e) => e.type === "tool_result")).toHaveLength(1);
  });

  it("sweeps a reopened child whose root's cancel a crash cut short before its cascade", async () => {
    const { runner, rootId, childId } = await reopenedTree();
    const { deps } = runnerHost(runner);
    await appendEvent(deps, rootId, (thread) => cancel(thread, {}, deps.clock));
    // Act
    const swept = await reconcileOrphans(deps, { staleAfterMs: 0 });
    // Assess
    expect(swept).toMatchObject({ cancelled: 1 });
    expect((await runner.get(childId)).events.at(-1)).toMatchObject({
      type: "cancelled",
      data: { reason: `its parent thread ${rootId} was cancelled` },
    });
  });

  it("leaves a tree a crash cut short while deleting stopped: nothing launches it again", async () => {
    // Prepare: the store dies when the delete reaches the root, after its child went
    const { lead } = tree(
      [call("deploy", { service: "api" })],
      [call("deployer", { message: "go" })],
    );
    const store = new MemoryThreadStore();
    const runner = createRunner({ agents: [lead], store });
    const host = runnerHost(runner);
    const parent = await runner.launch("lead", "ship the api");
    const remove = store.delete.bind(store);
    store.delete = async (threadId) => {
      if (threadId === parent.threadId) throw new Error("crash");
      return remove(threadId);
    };
    // Act
    await expect(runner.delete(parent.threadId)).rejects.toThrow("crash");
    // Assess: the root was cancelled first, so the reconciler does not launch its child again
    expect((await runner.get(parent.threadId)).status).toBe("cancelled");
    expect(await reconcileChildren(host.deps, { staleAfterMs: 0 })).toEqual({
      checked: 0,
      relaunched: 0,
    });
    expect(await store.load(childThreadId(parent.threadId, "call_1"))).toBeUndefined();
    // Deleting again finishes it
    store.delete = remove;
    await runner.delete(parent.threadId);
    await expect(runner.get(parent.threadId)).rejects.toThrow();
  });

  it("sweeps orphans: reads only threads of called agents, and cancels a child its parent left", async () => {
    // Prepare: the parent waits for its child, which waits for an approval
    const { lead } = tree(
      [call("deploy", { service: "api" })],
      [call("deployer", { message: "go" })],
    );
    const runner = createRunner({ agents: [lead] });
    const { deps } = runnerHost(runner);
    const parent = await runner.launch("lead", "ship the api");
    const childId = childThreadId(parent.threadId, "call_1");
    // Act, Assess: the parent's thread (an agent no one calls) is not even read; the child stays
    expect(await reconcileOrphans(deps, { staleAfterMs: 0 })).toEqual({
      checked: 1,
      cancelled: 0,
      deleted: 0,
    });
    expect((await runner.get(childId)).status).toBe("waiting_for_approval");
    // A crash after the parent's cancellation, before its cascade
    const by = { principal: "ops", via: "api" };
    await appendEvent(deps, parent.threadId, (thread) => cancel(thread, { by }, deps.clock));
    expect(await reconcileOrphans(deps, { staleAfterMs: 0 })).toMatchObject({ cancelled: 1 });
    expect((await runner.get(childId)).events.at(-1)).toMatchObject({
      type: "cancelled",
      by: { principal: "reconciler", via: "schedule" },
      data: { reason: `its parent thread ${parent.threadId} was cancelled` },
    });
    // A root agent with no agent tools lists nothing at all
    const { deployer } = tree([], []);
    const alone = runnerHost(createRunner({ agents: [deployer] })).deps;
    alone.store.list = () => Promise.reject(new Error("listed"));
    expect(await reconcileOrphans(alone, { staleAfterMs: 0 })).toEqual({
      checked: 0,
      cancelled: 0,
      deleted: 0,
    });
  });
});

describe("Function: reconcileOrphans, a person's fork of a child", () => {
  it("keeps the fork's own child running when the old root is cancelled", async () => {
    // Prepare: lead → mid → deployer; a person forks mid, whose fork launches its own deployer
    const mid = defineAgent({
      name: "mid",
      prompt: "Mid.",
      tools: [agentTool(deployer), doneForNow],
      model: ruleModel((seen) =>
        seen.includes("<deployer_result>")
          ? { tool: "done_for_now", args: { message: "ok" } }
          : { tool: "deployer", args: { message: "deploy" } },
      ),
    });
    const lead = defineAgent({
      name: "lead",
      prompt: "Lead.",
      tools: [agentTool(mid), doneForNow],
      model: ruleModel((seen) =>
        seen.includes("<mid_result>")
          ? { tool: "done_for_now", args: { message: "ok" } }
          : { tool: "mid", args: { message: "go" } },
      ),
    });
    const runner = createRunner({ agents: [lead] });
    const root = await runner.launch("lead", "ship");
    const forked = await runner.fork(childThreadId(root.threadId, "call_1"), 1);
    const forkChild = childThreadId(forked.threadId, "call_1");
    expect((await runner.get(forkChild)).status).toBe("waiting_for_approval");

    // Act
    await runner.cancel(root.threadId);
    const swept = await reconcileOrphans(runnerHost(runner).deps, { staleAfterMs: 0 });

    // Assess: the old tree's own deployer was cancelled by the cascade; the fork's is no part of it
    expect(swept.cancelled).toBe(0);
    expect((await runner.get(forkChild)).status).toBe("waiting_for_approval");
    expect((await runner.get(forked.threadId)).status).toBe("waiting_for_agent");
  });
});
