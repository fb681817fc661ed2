import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deriveStatus } from "../../shared/core/thread.ts";
import { BedrockModel } from "../../shared/llm/bedrock/model.ts";
import { type ModelFault, transientModelFaults } from "../fault-kit/flaky-model.ts";
import { hashedDraw } from "../fault-kit/seeded-random.ts";
import {
  type ConverseServer,
  errorAnswer,
  startConverseServer,
  textAnswer,
  toolUseAnswer,
} from "../llm/converse-server.ts";
import { ESCALATED_THEN_DONE, errorMessages, eventKinds } from "./support/model-faults.ts";
import { type Scenario, standardScenarios } from "./support/scenarios.ts";
import { simulate } from "./support/simulation.ts";

/** One calculator thread; the person tells the agent to go on after any escalation. */
const scenario: Scenario = {
  name: "bedrock-add",
  agent: "calculator",
  message: "What is 3 + 4?",
  answer: (notice) => ({ callId: notice.callId, response: "Please go on." }),
};

/** Bedrock's error shapes, as the service sends them: `x-amzn-ErrorType` and a message. */
const throttled = () => errorAnswer("ThrottlingException", 429, "Too many requests");
const unavailable = () => errorAnswer("ServiceUnavailableException", 503, "Service unavailable");
const notReady = () => errorAnswer("ModelNotReadyException", 429, "Model is not ready");
const timedOut = () => errorAnswer("ModelTimeoutException", 408, "Model timed out");

describe("model faults over HTTP: the real Bedrock adapter, the real step, the simulated queue", () => {
  let server: ConverseServer;
  const clients: BedrockRuntimeClient[] = [];

  beforeEach(async () => {
    server = await startConverseServer({ refuseForcedChoice: (id) => id.includes("refuses") });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await server.close();
  });

  const model = (modelId: string, maxAttempts: number) => {
    const client = new BedrockRuntimeClient({
      endpoint: server.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts,
    });
    clients.push(client);
    return new BedrockModel(modelId, { client });
  };

  it("retries throttling and unavailability in the SDK, compacts what stays failing, and escalates the 3rd in a row", async () => {
    // Prepare: three steps fail (throttling and unavailability after the SDK's one retry; it
    // retries neither a model not ready nor a model timeout, the step's error event does), then
    // the model (not forced: Llama) answers text instead of a call, then does the work
    server.enqueue(
      throttled(),
      throttled(),
      unavailable(),
      notReady(),
      timedOut(),
      textAnswer("Sure, 3 + 4 is 7."),
      toolUseAnswer([["add", { a: 3, b: 4 }]]),
      toolUseAnswer([["done_for_now", { message: "3 + 4 = 7" }]]),
    );

    // Act
    const run = await simulate({
      scenarios: [scenario],
      seed: 1,
      model: model("meta.llama3-3-70b-instruct-v1:0", 2),
    });

    // Assess
    expect(run.problems).toEqual([]);
    expect(run.unexpected).toEqual([]);
    const thread = run.threads[scenario.name];
    expect(eventKinds(thread)).toEqual(ESCALATED_THEN_DONE);
    const errors = errorMessages(thread);
    expect(errors).toEqual([
      expect.stringMatching(/^model failed: Bedrock throttled model meta\.llama3/),
      expect.stringMatching(/^model failed: Model meta\.llama3\S+ in us-east-1 is not ready yet$/),
      expect.stringMatching(/^model failed: Model meta\.llama3\S+ in us-east-1 timed out$/),
      expect.stringContaining("the model replied with text instead of a tool call"),
    ]);
    expect(thread?.events[4]).toMatchObject({ data: { reason: "too_many_errors" } });
    expect(server.requests).toHaveLength(8);
    expect(deriveStatus(thread?.events ?? [])).toBe("done");
  });

  it("escalates at once on access denied, and goes on after the person", async () => {
    // Prepare
    server.enqueue(
      errorAnswer("AccessDeniedException", 403, "You don't have access to the model."),
      toolUseAnswer([["add", { a: 3, b: 4 }]]),
      toolUseAnswer([["done_for_now", { message: "3 + 4 = 7" }]]),
    );

    // Act
    const run = await simulate({
      scenarios: [scenario],
      seed: 1,
      model: model("us.anthropic.claude-sonnet-4-5-20250929-v1:0", 3),
    });

    // Assess: no retry of a 403, one error, one escalation, and the thread finishes
    const thread = run.threads[scenario.name];
    expect(run.problems).toEqual([]);
    expect(thread?.events.slice(1, 3)).toMatchObject([
      { type: "error", data: { code: "model_failed" } },
      { type: "human_input_requested", data: { reason: "model_unusable" } },
    ]);
    expect(server.requests).toHaveLength(3);
    expect(deriveStatus(thread?.events ?? [])).toBe("done");
  });

  it("falls back from a refused forced choice once, and keeps auto for every later step", async () => {
    // Prepare
    server.enqueue(
      toolUseAnswer([["add", { a: 3, b: 4 }]]),
      toolUseAnswer([["done_for_now", { message: "3 + 4 = 7" }]]),
    );

    // Act
    const run = await simulate({
      scenarios: [scenario],
      seed: 3,
      model: model("us.anthropic.claude-haiku-4-5-refuses-reliability-v1:0", 1),
    });

    // Assess: no error event (the fallback is the adapter's), one refused request
    const thread = run.threads[scenario.name];
    expect(run.problems).toEqual([]);
    expect(eventKinds(thread)).toEqual([
      "user_message",
      "tool_call",
      "tool_result",
      "tool_call",
      "done",
    ]);
    expect(
      server.requests.map((r) =>
        Object.keys((r.body.toolConfig as { toolChoice: object }).toolChoice),
      ),
    ).toEqual([["any"], ["auto"], ["auto"]]);
  });
});

describe("model faults in Bedrock's shapes (the fault kit's FlakyModel), through the real step path", () => {
  it.each([1, 2, 3, 4, 5])(
    "seed %i: every fault is compacted, escalated when it must be, and every thread ends done",
    async (seed) => {
      // Prepare: a third of the steps fail, each with a fault drawn from the seed
      const injected: Record<string, number> = {};
      const modelFaults = (threadId: string, version: number): ModelFault | null => {
        if (hashedDraw(seed, threadId, version) >= 0.35) return null;
        const pick = hashedDraw(seed, threadId, version, "kind") * transientModelFaults.length;
        const kind = transientModelFaults[Math.floor(pick)] ?? null;
        if (kind) injected[kind] = (injected[kind] ?? 0) + 1;
        return kind;
      };

      // Act
      const run = await simulate({
        scenarios: standardScenarios,
        seed,
        modelFaults,
        modelFaultProvider: "bedrock",
      });

      // Assess
      expect(run.problems).toEqual([]);
      expect(run.unexpected).toEqual([]);
      for (const thread of Object.values(run.threads)) {
        expect(deriveStatus(thread?.events ?? [])).toBe("done");
      }
      const failed = Object.values(run.threads).flatMap((thread) =>
        (thread?.events ?? []).flatMap((e) =>
          e.type === "error" && e.data.code === "model_failed" ? [e.data.message] : [],
        ),
      );
      for (const message of failed) expect(message).toMatch(/Bedrock|^model failed: Model /);
      expect(Object.values(injected).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    },
  );

  it("escalates as model_unusable at once on Bedrock's access denied", async () => {
    // Prepare: the first model call of every thread is denied
    const firstCall = new Map<string, number>();
    const modelFaults = (threadId: string, version: number): ModelFault | null => {
      if (!firstCall.has(threadId)) firstCall.set(threadId, version);
      return firstCall.get(threadId) === version ? "unauthorized" : null;
    };

    // Act
    const run = await simulate({
      scenarios: standardScenarios,
      seed: 7,
      modelFaults,
      modelFaultProvider: "bedrock",
    });

    // Assess
    expect(run.problems).toEqual([]);
    for (const thread of Object.values(run.threads)) {
      const events = thread?.events ?? [];
      const first = events.findIndex((e) => e.type === "error");
      expect(events[first]).toMatchObject({
        data: { code: "model_failed", message: expect.stringContaining("bedrock:InvokeModel") },
      });
      expect(events[first + 1]).toMatchObject({
        type: "human_input_requested",
        data: { reason: "model_unusable" },
      });
      expect(deriveStatus(events)).toBe("done");
    }
  });
});
