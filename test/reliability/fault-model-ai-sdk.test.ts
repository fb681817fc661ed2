import { createAnthropic } from "@ai-sdk/anthropic";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deriveStatus } from "../../shared/core/thread.ts";
import { type AiSdkOptions, aiSdk } from "../../shared/llm/ai-sdk/index.ts";
import {
  type AnthropicServer,
  anthropicError,
  startAnthropicServer,
  textMessage,
  toolUseMessage,
} from "../llm/anthropic-server.ts";
import { ESCALATED_THEN_DONE, errorMessages, eventKinds } from "./support/model-faults.ts";
import type { Scenario } from "./support/scenarios.ts";
import { simulate } from "./support/simulation.ts";

/** One calculator thread; the person tells the agent to go on after any escalation. */
const scenario: Scenario = {
  name: "ai-sdk-add",
  agent: "calculator",
  message: "What is 3 + 4?",
  answer: (notice) => ({ callId: notice.callId, response: "Please go on." }),
};

/** A model the AI SDK's matrix says takes a forced choice, which the server refuses. */
const REFUSING = "claude-haiku-5-5";

describe("model faults over HTTP: aiSdk over @ai-sdk/anthropic, the real step, the simulated queue", () => {
  let server: AnthropicServer;
  beforeEach(async () => {
    server = await startAnthropicServer({ refuseForcedChoice: [REFUSING] });
  });
  afterEach(async () => {
    await server.close();
  });

  const model = (modelId: string, options: AiSdkOptions = {}, apiKey = server.apiKey) =>
    aiSdk(createAnthropic({ baseURL: server.baseURL, apiKey })(modelId), options);

  it("falls back to auto, compacts 429, 529 and a timeout, escalates the 3rd in a row, and finishes", async () => {
    // Prepare: the forced choice is refused once (asked again with auto in the same step), three
    // steps fail (no retry inside a step), the model answers text, then does the work
    server.enqueue(
      { status: 429, body: anthropicError("rate_limit_error", "Number of requests exceeded") },
      { status: 529, body: anthropicError("overloaded_error", "Overloaded") },
      "hang",
      { status: 200, body: textMessage("Sure, 3 + 4 is 7.") },
      { status: 200, body: toolUseMessage([["add", { a: 3, b: 4 }]]) },
      { status: 200, body: toolUseMessage([["done_for_now", { message: "3 + 4 = 7" }]]) },
    );

    // Act
    const run = await simulate({
      scenarios: [scenario],
      seed: 1,
      model: model(REFUSING, { timeoutMs: 150 }),
    });

    // Assess
    expect(run.problems).toEqual([]);
    expect(run.unexpected).toEqual([]);
    const thread = run.threads[scenario.name];
    expect(eventKinds(thread)).toEqual(ESCALATED_THEN_DONE);
    const errors = errorMessages(thread);
    const who = `ai-sdk:anthropic.messages (${REFUSING})`;
    expect(errors).toEqual([
      `model failed: ${who} returned 429 (rate_limit_error)`,
      `model failed: ${who} returned 529 (overloaded_error)`,
      `model failed: ${who} failed (TimeoutError)`,
      expect.stringContaining("the model replied with text instead of a tool call"),
    ]);
    expect(thread?.events[4]).toMatchObject({ data: { reason: "too_many_errors" } });
    // The first step's forced choice was refused (400) and asked again with auto in the same
    // step, which every later step keeps: 1 + 6 requests.
    expect(server.requests.map((r) => (r.body.tool_choice as { type: string }).type)).toEqual([
      "any",
      "auto",
      "auto",
      "auto",
      "auto",
      "auto",
      "auto",
    ]);
    expect(deriveStatus(thread?.events ?? [])).toBe("done");
  });

  it("escalates at once when the API rejects the key (401), and goes on after the person", async () => {
    // Prepare: a wrong key first, as the server sees it; the person fixes it (here: the queue)
    server.enqueue(
      { status: 401, body: anthropicError("authentication_error", "invalid x-api-key") },
      { status: 200, body: toolUseMessage([["add", { a: 3, b: 4 }]]) },
      { status: 200, body: toolUseMessage([["done_for_now", { message: "3 + 4 = 7" }]]) },
    );

    // Act
    const run = await simulate({
      scenarios: [scenario],
      seed: 1,
      model: model("claude-sonnet-5"),
    });

    // Assess: no retry of a 401, one error, one escalation, and the thread finishes
    const thread = run.threads[scenario.name];
    expect(run.problems).toEqual([]);
    expect(thread?.events.slice(1, 3)).toMatchObject([
      {
        type: "error",
        data: {
          code: "model_failed",
          message: expect.stringContaining(
            "401 (authentication_error): check the provider's API key",
          ),
        },
      },
      { type: "human_input_requested", data: { reason: "model_unusable" } },
    ]);
    expect(server.requests).toHaveLength(3);
    expect(deriveStatus(thread?.events ?? [])).toBe("done");
  });
});
