import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as z from "zod";
import {
  gatherStep,
  instrumentDeps,
  type SpanAttributes,
  type Spans,
} from "../../functions/observability/instrument.ts";
import { createMetrics, publishApprovalMetrics } from "../../functions/observability/metrics.ts";
import { stepLine } from "../../functions/observability/step-line.ts";
import { createStepObserver } from "../../functions/observability/step-observer.ts";
import { annotationKey, stepAttributes } from "../../functions/observability/tracing.ts";
import { defineAgent } from "../../shared/core/agent.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import type { ModelReply, StepMessage } from "../../shared/core/ports.ts";
import { deriveHead, type Thread } from "../../shared/core/thread.ts";
import { defineTool } from "../../shared/core/tool.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { processStep } from "../../shared/runtime/process-step.ts";
import {
  approvalRequested,
  MemoryThreadStore,
  ScriptedModel,
  steppingClock,
  userMessage,
} from "../../shared/testing/index.ts";
import { rootOf } from "../support/root.ts";

const add = defineTool({
  name: "add",
  description: "Add two numbers",
  input: z.object({ a: z.number(), b: z.number() }),
  kind: "sync",
  run: ({ a, b }) => a + b,
});
const broken = defineTool({
  name: "broken",
  description: "Always fails",
  input: z.object({}),
  kind: "sync",
  run: () => {
    throw new Error("out of order");
  },
});
const calculator = defineAgent({
  name: "calculator",
  prompt: "Add.",
  tools: [add, broken, doneForNow],
  maxConsecutiveErrors: 1,
});

const usage = (inputTokens: number, outputTokens: number) => ({
  inputTokens,
  outputTokens,
  model: "gpt-test-2026",
});
const reply = (tool: string, args: unknown, tokens: [number, number]): ModelReply => ({
  type: "tool_call",
  tool,
  args,
  usage: usage(...tokens),
});

/** In-memory runtime deps around a scripted model that names itself, as OpenAIModel does. */
function memoryDeps(script: ModelReply[]) {
  const model = Object.assign(new ScriptedModel(script), { model: "gpt-test" });
  const sent: StepMessage[] = [];
  const deps: RuntimeDeps = {
    agents: new Map([[calculator.name, calculator]]),
    store: new MemoryThreadStore(),
    queue: { enqueue: async (message) => void sent.push(message) },
    notifier: { threadWaiting: async () => {} },
    model,
    clock: steppingClock(),
    ids: { threadId: () => "thr_1" },
    threadLink: (id) => `https://example.test/threads/${id}`,
  };
  return { deps, sent };
}

async function launch(deps: RuntimeDeps): Promise<Thread> {
  const thread: Thread = {
    id: "thr_1",
    agent: "calculator",
    events: [userMessage("1+2", { at: "2026-01-01T00:00:00.000Z" })],
  };
  await deps.store.create({ thread, head: deriveHead(thread.events) });
  return thread;
}

/** Spans kept in memory as a tree: name, attributes, indexed ones, failures, children. */
interface RecordedSpan {
  name: string;
  attributes: SpanAttributes;
  indexed: SpanAttributes;
  failed: unknown[];
  children: RecordedSpan[];
}
function recordingSpans() {
  const roots: RecordedSpan[] = [];
  const stack: RecordedSpan[] = [];
  const spans: Spans = async (name, run) => {
    const span: RecordedSpan = { name, attributes: {}, indexed: {}, failed: [], children: [] };
    (stack.at(-1)?.children ?? roots).push(span);
    stack.push(span);
    try {
      return await run({
        set: (attributes) => Object.assign(span.attributes, attributes),
        index: (attributes) => Object.assign(span.indexed, attributes),
        fail: (error) => span.failed.push(error),
      });
    } finally {
      stack.pop();
    }
  };
  return { spans, roots };
}

describe("Function: instrumentDeps", () => {
  it("makes each model call and tool run a child span and gathers the step's facts", async () => {
    // Prepare: the first step saves the model's add; the second runs it and the model is done
    const { deps } = memoryDeps([
      reply("add", { a: 1, b: 2 }, [100, 10]),
      reply("done_for_now", { message: "3" }, [120, 5]),
    ]);
    await launch(deps);
    const { spans, roots } = recordingSpans();
    const instrumented = instrumentDeps(deps, spans);

    // Act
    // (the tree keys as the worker's treeScope notes them: none yet for the first, filled for the second)
    const first = await gatherStep(
      { threadId: "thr_1", version: 1 },
      () => processStep(instrumented, { threadId: "thr_1", version: 1 }),
      {},
    );
    const second = await gatherStep(
      { threadId: "thr_1", version: 2 },
      () => processStep(instrumented, { threadId: "thr_1", version: 2 }),
      { rootThreadId: "thr_1" },
    );

    // Assess: the first step called the model only; the second ran add, then the model
    expect(roots.map((span) => span.name)).toEqual([
      "chat gpt-test",
      "execute_tool add",
      "chat gpt-test",
    ]);
    expect(roots[1]?.attributes).toEqual({
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "add",
      "gen_ai.tool.call.id": "call_1",
    });
    expect(roots[2]?.attributes).toEqual({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gpt-test",
      "gen_ai.response.model": "gpt-test-2026",
      "gen_ai.usage.input_tokens": 120,
      "gen_ai.usage.output_tokens": 5,
      "twelve.reply.type": "tool_call",
      "twelve.reply.tool": "done_for_now",
    });
    expect(first).toMatchObject({
      agent: "calculator",
      version: 1,
      outcome: "stepped",
      toolRuns: [],
      errorEvents: 0,
    });
    expect(first.tree).toBeUndefined();
    expect(second.toolRuns).toEqual([{ name: "add", ms: expect.any(Number), ok: true }]);
    expect(stepAttributes(second)).toEqual({
      "gen_ai.agent.name": "calculator",
      "gen_ai.conversation.id": "thr_1",
      "twelve.thread.version": 2,
      "twelve.root_thread_id": "thr_1",
      "gen_ai.request.model": "gpt-test",
      "gen_ai.usage.input_tokens": 120,
      "gen_ai.usage.output_tokens": 5,
      "gen_ai.tool.name": "done_for_now",
      "twelve.step.outcome": "stepped",
    });
    expect(stepLine(second)).toMatch(
      /^step calculator thr_1 v2 tool=done_for_now outcome=stepped \d+ ms tokens=120\/5$/,
    );
    expect((await deps.store.load("thr_1"))?.events.at(-1)?.type).toBe("done");
  });

  it("keeps the model's identity, so the step records which provider answered", async () => {
    // Prepare: the scripted model says it is a Bedrock model
    const { deps } = memoryDeps([reply("add", { a: 1, b: 2 }, [100, 10])]);
    const identity = { provider: "bedrock", model: "us.anthropic.claude-sonnet-4-5-v1:0" };
    const named = {
      ...deps,
      model: Object.assign(deps.model as object, { identity }),
    } as RuntimeDeps;
    await launch(named);
    const { spans, roots } = recordingSpans();

    // Act
    await gatherStep({ threadId: "thr_1", version: 1 }, () =>
      processStep(instrumentDeps(named, spans), { threadId: "thr_1", version: 1 }),
    );

    // Assert: the span names the model and its system; the saved call names the provider
    const thread = await named.store.load("thr_1");
    const call = thread?.events.find((event) => event.type === "tool_call");
    expect(call).toMatchObject({ data: { usage: { provider: "bedrock" } } });
    expect(roots.map((span) => span.name)).toContain(`chat ${identity.model}`);
    expect(roots.find((span) => span.name.startsWith("chat"))?.attributes).toMatchObject({
      "gen_ai.system": "bedrock",
    });
  });

  it("marks a failing tool's span failed and counts the error and the escalation it caused", async () => {
    // Prepare: the model calls the broken tool; one error escalates (maxConsecutiveErrors 1)
    const { deps } = memoryDeps([reply("broken", {}, [50, 3])]);
    await launch(deps);
    const { spans, roots } = recordingSpans();
    const instrumented = instrumentDeps(deps, spans);
    await gatherStep({ threadId: "thr_1", version: 1 }, () =>
      processStep(instrumented, { threadId: "thr_1", version: 1 }),
    );

    // Act
    const facts = await gatherStep({ threadId: "thr_1", version: 2 }, () =>
      processStep(instrumented, { threadId: "thr_1", version: 2 }),
    );

    // Assess
    const run = roots.find((span) => span.name === "execute_tool broken");
    expect(run?.failed).toEqual([new Error("out of order")]);
    expect(facts).toMatchObject({
      toolRuns: [{ name: "broken", ok: false }],
      errorEvents: 1,
      escalations: ["too_many_errors"],
      modelCalls: [],
    });
  });

  it("keeps a step's throw in its facts, with the thread's agent if it was read", async () => {
    const { deps } = memoryDeps([]);
    await launch(deps);
    const failing = {
      ...deps,
      queue: { enqueue: async () => Promise.reject(new Error("SQS down")) },
    };
    const instrumented = instrumentDeps(failing, recordingSpans().spans);
    const model = new ScriptedModel([reply("add", { a: 1, b: 2 }, [1, 1])]);

    const facts = await gatherStep({ threadId: "thr_1", version: 1 }, () =>
      processStep({ ...instrumented, model }, { threadId: "thr_1", version: 1 }),
    );

    expect(facts).toMatchObject({ agent: "calculator", outcome: "error" });
    expect(String(facts.error)).toContain("SQS down");
  });
});

describe("Function: instrumentDeps, on tools from a tool source (MCP)", () => {
  it("makes each run of a listed tool a span too", async () => {
    // Prepare: the agent's add comes from a source, listed on each step
    const add = defineTool({
      name: "add",
      description: "Add",
      parameters: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } },
      kind: "sync",
      run: ({ a, b }) => Number(a) + Number(b),
    });
    const agent = defineAgent({
      name: "calculator",
      prompt: "Add.",
      tools: [doneForNow],
      mcp: [{ name: "math", tools: async () => [add] }],
    });
    const { deps } = memoryDeps([
      reply("add", { a: 1, b: 2 }, [100, 10]),
      reply("done_for_now", { message: "3" }, [120, 5]),
    ]);
    await launch(deps);
    const { spans, roots } = recordingSpans();
    const instrumented = instrumentDeps({ ...deps, agents: new Map([[agent.name, agent]]) }, spans);

    // Act
    await processStep(instrumented, { threadId: "thr_1", version: 1 });
    await processStep(instrumented, { threadId: "thr_1", version: 3 });

    // Assess
    expect(roots.map((span) => span.name)).toEqual([
      "chat gpt-test",
      "execute_tool add",
      "chat gpt-test",
    ]);
  });
});

describe("Function: instrumentDeps, on a tool written as a method", () => {
  it("runs it with the tool as `this`, as the core does", async () => {
    const named = defineTool({
      name: "whoami",
      description: "Says its own name",
      input: z.object({}),
      kind: "sync",
      run() {
        return (this as { name: string }).name;
      },
    });
    const agent = defineAgent({ name: "calculator", prompt: "Ask.", tools: [named, doneForNow] });
    const { deps } = memoryDeps([]);
    const instrumented = instrumentDeps(
      { ...deps, agents: new Map([[agent.name, agent]]) },
      recordingSpans().spans,
    );
    const tool = instrumented.agents.get("calculator")?.tool("whoami");
    const context = {
      threadId: "thr_1",
      callId: "call_1",
      idempotencyKey: "thr_1:call_1",
      runContext: {},
    };

    expect(await tool?.run?.({}, context)).toBe("whoami");
  });
});

describe("Function: annotationKey", () => {
  it("maps a dotted OpenTelemetry name to an X-Ray annotation key ([A-Za-z0-9_] only)", () => {
    expect(annotationKey("gen_ai.usage.input_tokens")).toBe("gen_ai_usage_input_tokens");
    expect(annotationKey("twelve.step-outcome")).toBe("twelve_step_outcome");
  });
});

/** EMF documents written to stdout while `run` runs. */
async function emfOf(run: () => Promise<unknown> | unknown): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    write.mockRestore();
  }
  return lines
    .flatMap((chunk) => chunk.split("\n"))
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((doc) => "_aws" in doc);
}

const metricsEnv = { POWERTOOLS_METRICS_NAMESPACE: "TwelveTest" };

describe("Function: createStepObserver with metrics", () => {
  beforeEach(() => vi.stubEnv("POWERTOOLS_SERVICE_NAME", "twelve-worker"));
  afterEach(() => vi.unstubAllEnvs());

  it("publishes each invocation's steps as EMF on stdout, per agent and per agent and outcome", async () => {
    // Prepare
    const { deps } = memoryDeps([
      reply("add", { a: 1, b: 2 }, [100, 10]),
      reply("done_for_now", { message: "3" }, [120, 5]),
    ]);
    await launch(deps);
    const observer = createStepObserver({ metrics: createMetrics(metricsEnv) });
    const instrumented = observer.instrument(deps);
    const step = (version: number) =>
      observer.step({ threadId: "thr_1", version }, () =>
        processStep(instrumented, { threadId: "thr_1", version }),
      );

    // Act: one invocation of three step messages (the last one stale: a duplicate)
    const docs = await emfOf(() =>
      observer.invocation(async () => [await step(1), await step(2), await step(1)]),
    );

    // Assess
    expect(docs).toHaveLength(3);
    const [perAgent, stepped, stale] = docs as Record<string, unknown>[];
    expect(perAgent).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: "TwelveTest",
            Dimensions: [["service", "agent"]],
            Metrics: expect.arrayContaining([
              { Name: "Steps", Unit: "Count" },
              { Name: "ModelLatency", Unit: "Milliseconds" },
              { Name: "InputTokens", Unit: "Count" },
              { Name: "Errors", Unit: "Count" },
            ]),
          },
        ],
      },
      service: "twelve-worker",
      agent: "calculator",
      Steps: 3,
      InputTokens: 220,
      OutputTokens: 15,
      Errors: 0,
      Escalations: 0,
    });
    expect(perAgent?.ModelLatency).toEqual([expect.any(Number), expect.any(Number)]);
    expect(stepped).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Dimensions: [["service", "agent", "outcome"]] }] },
      agent: "calculator",
      outcome: "stepped",
      Steps: 2,
    });
    expect(stale).toMatchObject({ outcome: "stale", Steps: 1 });
  });

  it("counts a step that threw as an error (outcome error) and rethrows it", async () => {
    const { deps } = memoryDeps([reply("add", { a: 1, b: 2 }, [1, 1])]);
    await launch(deps);
    const failing = { ...deps, queue: { enqueue: () => Promise.reject(new Error("SQS down")) } };
    const observer = createStepObserver({ metrics: createMetrics(metricsEnv) });
    const instrumented = observer.instrument(failing);

    let thrown: unknown;
    const docs = await emfOf(() =>
      observer.invocation(() =>
        observer
          .step({ threadId: "thr_1", version: 1 }, () =>
            processStep(instrumented, { threadId: "thr_1", version: 1 }),
          )
          .catch((error: unknown) => {
            thrown = error;
          }),
      ),
    );

    expect(String(thrown)).toContain("SQS down");
    expect(docs[0]).toMatchObject({ agent: "calculator", Steps: 1, Errors: 1 });
    expect(docs[1]).toMatchObject({ outcome: "error", Steps: 1 });
  });

  it("publishes nothing for an invocation without steps", async () => {
    const observer = createStepObserver({ metrics: createMetrics(metricsEnv) });
    expect(await emfOf(() => observer.invocation(async () => "empty"))).toEqual([]);
  });
});

describe("Function: publishApprovalMetrics", () => {
  beforeEach(() => vi.stubEnv("POWERTOOLS_SERVICE_NAME", "twelve-reconciler"));
  afterEach(() => vi.unstubAllEnvs());

  it("publishes the approvals waiting and the oldest one's age per agent, 0 for an agent with none", async () => {
    const waiting = new Map([["deploybot", { count: 2, oldestSince: "2026-01-01T00:00:00.000Z" }]]);
    const docs = await emfOf(() =>
      publishApprovalMetrics(
        createMetrics(metricsEnv),
        waiting,
        ["calculator", "deploybot"],
        new Date("2026-01-01T01:30:00.000Z"),
      ),
    );

    expect(docs).toEqual([
      expect.objectContaining({ agent: "calculator", ApprovalsWaiting: 0, OldestApprovalAge: 0 }),
      expect.objectContaining({
        service: "twelve-reconciler",
        agent: "deploybot",
        ApprovalsWaiting: 2,
        OldestApprovalAge: 5400,
      }),
    ]);
    expect(docs[1]?._aws).toMatchObject({
      CloudWatchMetrics: [
        {
          Metrics: [
            { Name: "ApprovalsWaiting", Unit: "Count" },
            { Name: "OldestApprovalAge", Unit: "Seconds" },
          ],
        },
      ],
    });
  });
});

describe("Function: reconcilerHandler", () => {
  beforeEach(() => {
    vi.stubEnv("POWERTOOLS_SERVICE_NAME", "twelve-reconciler");
    vi.stubEnv("POWERTOOLS_METRICS_NAMESPACE", "TwelveTest");
  });
  afterEach(() => vi.unstubAllEnvs());

  it("publishes, on each run, the approvals still waiting per agent, from the thread listing", async () => {
    // Prepare: two calculator threads waiting for approval (asked at 00:00:10 and 00:00:40),
    // one running; the clock reads 00:10:00
    const { deps } = memoryDeps([]);
    const waitingSince = async (id: string, since: string) => {
      const events: Thread["events"] = [
        userMessage("8 / 2", { at: "2026-01-01T00:00:00.000Z" }),
        approvalRequested("call_1", "divide", { a: 8, b: 2 }, { at: since, argsHash: "h" }),
      ];
      const thread: Thread = { id, agent: "calculator", events };
      await deps.store.create({ thread, head: deriveHead(events) });
    };
    await waitingSince("thr_a", "2026-01-01T00:00:40.000Z");
    await waitingSince("thr_b", "2026-01-01T00:00:10.000Z");
    await launch(deps);
    const { reconcilerHandler } = await import("../../functions/handlers/reconciler.ts");
    const clock = { now: () => new Date("2026-01-01T00:10:00.000Z") };
    const handler = reconcilerHandler(rootOf({ ...deps, clock }));

    // Act
    let result: Awaited<ReturnType<typeof handler>> | undefined;
    const docs = await emfOf(async () => {
      result = await handler();
    });

    // Assess
    expect(result?.waiting).toBe(2);
    expect(docs).toEqual([
      expect.objectContaining({
        service: "twelve-reconciler",
        agent: "calculator",
        ApprovalsWaiting: 2,
        OldestApprovalAge: 590,
      }),
    ]);
    expect(docs[0]?._aws).toMatchObject({ CloudWatchMetrics: [{ Namespace: "TwelveTest" }] });
  });
});
