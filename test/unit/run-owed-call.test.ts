import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineAgent } from "../../shared/core/agent.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import { runOwedCall } from "../../shared/core/step.ts";
import type { Thread } from "../../shared/core/thread.ts";
import { defineTool } from "../../shared/core/tool.ts";
import { ToolError } from "../../shared/core/tool-error.ts";
import { ScriptedModel } from "../../shared/testing/index.ts";

const at = "2026-12-07T10:00:00.000Z";
const clock = { now: () => new Date(at) };

/** A deploy tool (approval), a lookup (sync) and a tag list the agent prefetches; runs recorded. */
function deployAgent(options: { failDeploy?: boolean } = {}) {
  const runs: string[] = [];
  const deploy = defineTool({
    name: "deploy",
    description: "Deploy a tag",
    input: z.object({ tag: z.string() }),
    kind: "approval",
    retry: { attempts: 3 },
    run: ({ tag }, { idempotencyKey }) => {
      runs.push(`deploy ${tag} ${idempotencyKey}`);
      if (options.failDeploy) throw new ToolError("the target answered 503", { retryable: true });
      return { deployed: tag };
    },
  });
  const lookup = defineTool({
    name: "lookup",
    description: "Look a tag up",
    input: z.object({ tag: z.string() }),
    kind: "sync",
    run: ({ tag }, { idempotencyKey }) => {
      runs.push(`lookup ${tag} ${idempotencyKey}`);
      return { found: tag };
    },
  });
  const tags = defineTool({
    name: "tags",
    description: "List tags",
    input: z.object({}),
    kind: "sync",
    run: (_, { idempotencyKey }) => {
      runs.push(`tags ${idempotencyKey}`);
      return ["v1"];
    },
  });
  const agent = defineAgent({
    name: "deployer",
    prompt: "Deploy.",
    tools: [deploy, lookup, tags, doneForNow],
    prefetch: [{ tool: tags, args: {} }],
  });
  // The model is never asked: any call to it fails the test.
  return { agent, runs, deps: { agent, model: new ScriptedModel([]), clock } };
}

const thread = (events: ThreadEvent[]): Thread => ({
  id: "thr_a",
  agent: "deployer",
  events: [{ type: "user_message", at, data: { message: "deploy v1" } }, ...events],
});
const deployCall: ThreadEvent[] = [
  {
    type: "tool_call",
    at,
    data: { callId: "call_1", tool: "deploy", args: { tag: "v1" }, source: "model" },
  },
  {
    type: "approval_requested",
    at,
    data: { callId: "call_1", tool: "deploy", args: { tag: "v1" }, argsHash: "h" },
  },
];

describe("Function: runOwedCall (the owed call alone, for a thread cancelled while it ran)", () => {
  it("runs an approved call under its idempotency key and returns its result, asking no model", async () => {
    // Prepare
    const { runs, deps } = deployAgent();
    const approved = thread([
      ...deployCall,
      { type: "approval_decision", at, data: { callId: "call_1", approved: true } },
    ]);

    // Act
    const events = await runOwedCall(approved, deps);

    // Assess
    expect(runs).toEqual(["deploy v1 thr_a:call_1"]);
    expect(events).toEqual([
      {
        type: "tool_result",
        at,
        data: { callId: "call_1", tool: "deploy", result: { deployed: "v1" } },
      },
    ]);
  });

  it("records a retryable failure as the call's error: no retry is owed after a cancel", async () => {
    const { deps } = deployAgent({ failDeploy: true });
    const approved = thread([
      ...deployCall,
      { type: "approval_decision", at, data: { callId: "call_1", approved: true } },
    ]);

    const events = await runOwedCall(approved, deps);

    expect(events.map((e) => [e.type, "callId" in e.data ? e.data.callId : ""])).toEqual([
      ["error", "call_1"],
    ]);
  });

  it("runs a sync call the model chose, and never a call that still needs its approval", async () => {
    const { runs, deps } = deployAgent();
    const lookup = thread([
      {
        type: "tool_call",
        at,
        data: { callId: "call_1", tool: "lookup", args: { tag: "v1" }, source: "model" },
      },
    ]);
    const unasked = thread([
      {
        type: "tool_call",
        at,
        data: { callId: "call_1", tool: "deploy", args: { tag: "v1" }, source: "model" },
      },
    ]);

    expect((await runOwedCall(lookup, deps)).map((e) => e.type)).toEqual(["tool_result"]);
    expect(await runOwedCall(unasked, deps)).toEqual([]);
    expect(runs).toEqual(["lookup v1 thr_a:call_1"]);
  });

  it("runs the prefetch of a thread with no call yet, and nothing where no call is owed", async () => {
    const { runs, deps } = deployAgent();

    const first = await runOwedCall(thread([]), deps);
    const rejected = await runOwedCall(
      thread([
        ...deployCall,
        { type: "approval_decision", at, data: { callId: "call_1", approved: false } },
      ]),
      deps,
    );

    expect(first.map((e) => [e.type, "callId" in e.data ? e.data.callId : ""])).toEqual([
      ["tool_call", "prefetch_0"],
      ["tool_result", "prefetch_0"],
    ]);
    expect(rejected).toEqual([]);
    expect(runs).toEqual(["tags thr_a:prefetch_0"]);
  });
});
