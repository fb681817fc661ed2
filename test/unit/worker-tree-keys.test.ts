import { Logger } from "@aws-lambda-powertools/logger";
import type { Context, SQSEvent } from "aws-lambda";
import { describe, expect, it, vi } from "vitest";
import type { StepFacts } from "../../functions/observability/instrument.ts";
import { createStepObserver } from "../../functions/observability/step-observer.ts";
import { annotationKey, stepAttributes } from "../../functions/observability/tracing.ts";
import { createWorkerHandler } from "../../functions/worker/app.ts";
import {
  agentTool,
  childThread,
  defineAgent,
  deriveHead,
  doneForNow,
  type StepMessage,
  type Thread,
} from "../../shared/core/index.ts";
import { agentMap } from "../../shared/runtime/agents.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import {
  call,
  childRequested,
  MemoryThreadStore,
  ScriptedModel,
  steppingClock,
  toolCall,
  userMessage,
} from "../../shared/testing/index.ts";

const researcher = defineAgent({
  name: "researcher",
  prompt: "Research.",
  tools: [doneForNow],
  // One answer per test.
  model: new ScriptedModel([
    call("done_for_now", { message: "X is 42" }),
    call("done_for_now", { message: "hi" }),
  ]),
});
const lead = defineAgent({
  name: "lead",
  prompt: "Delegate.",
  tools: [agentTool(researcher), doneForNow],
});

const record = (message: StepMessage, i: number): SQSEvent["Records"][number] => ({
  messageId: `m-${i}`,
  receiptHandle: `rh-${i}`,
  body: JSON.stringify(message),
  attributes: {
    ApproximateReceiveCount: "1",
    SentTimestamp: "0",
    SenderId: "local",
    ApproximateFirstReceiveTimestamp: "0",
    MessageGroupId: message.threadId,
    MessageDeduplicationId: `${message.threadId}:${message.version}`,
  },
  messageAttributes: {},
  md5OfBody: "",
  eventSource: "aws:sqs",
  eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:twelve-steps.fifo",
  awsRegion: "us-east-1",
});

const PARENT_TRACE = "1-6b173000-0123456789abcdef01234567";

/** A root waiting for its researcher, and the researcher's child thread, in memory. */
async function tree() {
  const clock = steppingClock();
  const store = new MemoryThreadStore();
  const parent: Thread = {
    id: "thr_root",
    agent: "lead",
    events: [
      userMessage("find X"),
      toolCall("call_1", "researcher", { message: "look for X" }),
      childRequested("call_1", "researcher", "look for X"),
    ],
  };
  const request = { callId: "call_1", tool: "researcher", agent: "researcher", depth: 1 };
  // Launched by a traced step: the child keeps that step's trace.
  const child = childThread(
    parent,
    { ...request, message: "look for X" },
    researcher,
    clock,
    PARENT_TRACE,
  );
  for (const thread of [parent, child]) {
    await store.create({ thread, head: deriveHead(thread.events) });
  }
  const deps: RuntimeDeps = {
    agents: agentMap([lead]),
    store,
    queue: { enqueue: async () => {} },
    notifier: { threadWaiting: async () => {} },
    clock,
    ids: { threadId: () => "thr_new" },
    threadLink: (id) => id,
  };
  return { deps, parent, child };
}

describe("Function: createWorkerHandler (a child's step)", () => {
  it("names the child's root, parent and the trace that launched it in its log line and its step span's annotations", async () => {
    // Prepare
    const { deps, parent, child } = await tree();
    const logger = new Logger({ serviceName: "twelve-test" });
    const info = vi.spyOn(logger, "info");
    const steps: StepFacts[] = [];
    const observer = createStepObserver({ onStep: (facts) => steps.push(facts) });
    const worker = createWorkerHandler(deps, logger, { maxReceives: 5, observer });

    // Act: the child's step ends it, which loads its parent to hand the end over
    const event = { Records: [record({ threadId: child.id, version: 1 }, 0)] };
    const result = await worker(event, {} as Context);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect((await deps.store.load(parent.id))?.events.at(-1)).toMatchObject({
      type: "tool_result",
    });
    expect(info).toHaveBeenCalledWith(
      "step message processed",
      expect.objectContaining({
        threadId: child.id,
        rootThreadId: parent.id,
        parentThreadId: parent.id,
        parentTraceId: PARENT_TRACE,
        outcome: "stepped",
      }),
    );
    const [facts] = steps as [StepFacts];
    expect(stepAttributes(facts)).toMatchObject({
      "gen_ai.conversation.id": child.id,
      "twelve.root_thread_id": parent.id,
      "twelve.parent_thread_id": parent.id,
      "twelve.parent_trace_id": PARENT_TRACE,
    });
    expect(annotationKey("twelve.root_thread_id")).toBe("twelve_root_thread_id");
  });

  it("names a root's own id as its root, and no parent", async () => {
    // Prepare: a thread of its own (no tree)
    const { deps } = await tree();
    const thread: Thread = { id: "thr_alone", agent: "researcher", events: [userMessage("hi")] };
    await deps.store.create({ thread, head: deriveHead(thread.events) });
    deps.agents = agentMap([lead, researcher]);
    const logger = new Logger({ serviceName: "twelve-test" });
    const info = vi.spyOn(logger, "info");
    const worker = createWorkerHandler(deps, logger, { maxReceives: 5 });

    // Act
    await worker({ Records: [record({ threadId: thread.id, version: 1 }, 0)] }, {} as Context);

    // Assess
    const [, keys] = info.mock.calls.find(([line]) => line === "step message processed") ?? [];
    expect(keys).toMatchObject({ threadId: thread.id, rootThreadId: thread.id });
    expect(keys).not.toHaveProperty("parentThreadId");
    expect(keys).not.toHaveProperty("parentTraceId");
  });
});
