import { OpenAI } from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deriveStatus } from "../../shared/core/thread.ts";
import { OpenAIModel } from "../../shared/llm/openai-model.ts";
import { type ChatServer, startChatServer } from "../llm/chat-server.ts";
import { apiError, textCompletion, toolCallCompletion } from "../llm/completions.ts";
import { ESCALATED_THEN_DONE, errorMessages, eventKinds } from "./support/model-faults.ts";
import type { Scenario } from "./support/scenarios.ts";
import { simulate } from "./support/simulation.ts";

/** One calculator thread; the person tells the agent to go on after any escalation. */
const scenario: Scenario = {
  name: "http-add",
  agent: "calculator",
  message: "What is 3 + 4?",
  answer: (notice) => ({ callId: notice.callId, response: "Please go on." }),
};

const overloaded = (status: number) => ({
  status,
  body: apiError("The engine is overloaded", "server_error"),
  // Keeps the SDK's backoff short in tests; it honours the header as the real API sends it.
  headers: { "retry-after-ms": "1" },
});

describe("model faults over HTTP: the real OpenAI adapter, the real step, the simulated queue", () => {
  let server: ChatServer;
  beforeEach(async () => {
    server = await startChatServer();
  });
  afterEach(async () => {
    await server.close();
  });

  const model = (options: { maxRetries: number; timeout?: number }) =>
    new OpenAIModel({
      model: "gpt-4o-mini",
      client: new OpenAI({ apiKey: "test-key", baseURL: server.baseURL, ...options }),
    });

  it("retries 429 and 5xx in the SDK, compacts what stays failing, and escalates the 3rd in a row", async () => {
    // Prepare: three steps fail after the SDK's retry (429, 503, a timeout), then the model
    // answers text instead of a call, then does the work
    server.enqueue(
      overloaded(429),
      overloaded(429),
      overloaded(503),
      overloaded(500),
      "hang",
      "hang",
      { status: 200, body: textCompletion("Sure, 3 + 4 is 7.") },
      { status: 200, body: toolCallCompletion([["add", '{"a":3,"b":4}']]) },
      { status: 200, body: toolCallCompletion([["done_for_now", '{"message":"3 + 4 = 7"}']]) },
    );

    // Act
    const run = await simulate({
      scenarios: [scenario],
      seed: 1,
      model: model({ maxRetries: 1, timeout: 150 }),
    });

    // Assess
    expect(run.problems).toEqual([]);
    expect(run.unexpected).toEqual([]);
    const thread = run.threads[scenario.name];
    expect(eventKinds(thread)).toEqual(ESCALATED_THEN_DONE);
    const errors = errorMessages(thread);
    expect(errors).toEqual([
      expect.stringMatching(/^model failed: OpenAI API at 127\.0\.0\.1:\d+ returned 429\b/),
      expect.stringMatching(/^model failed: OpenAI API at 127\.0\.0\.1:\d+ returned 500\b/),
      expect.stringMatching(/^model failed: OpenAI request to 127\.0\.0\.1:\d+ timed out$/),
      expect.stringContaining("the model replied with text instead of a tool call"),
    ]);
    expect(thread?.events[4]).toMatchObject({ data: { reason: "too_many_errors" } });
    // Each failing step was tried twice by the SDK (one retry with backoff): 6 + 3 requests
    expect(server.requests).toHaveLength(9);
    expect(deriveStatus(thread?.events ?? [])).toBe("done");
  });

  it("escalates at once when the API rejects the key (401), and goes on after the person", async () => {
    // Prepare
    server.enqueue(
      { status: 401, body: apiError("Incorrect API key provided", "invalid_request_error") },
      { status: 200, body: toolCallCompletion([["add", '{"a":3,"b":4}']]) },
      { status: 200, body: toolCallCompletion([["done_for_now", '{"message":"3 + 4 = 7"}']]) },
    );

    // Act
    const run = await simulate({ scenarios: [scenario], seed: 1, model: model({ maxRetries: 2 }) });

    // Assess: no retry of a 401, one error, one escalation, and the thread finishes
    const thread = run.threads[scenario.name];
    expect(run.problems).toEqual([]);
    expect(thread?.events.slice(1, 3)).toMatchObject([
      { type: "error", data: { code: "model_failed" } },
      { type: "human_input_requested", data: { reason: "model_unusable" } },
    ]);
    expect(server.requests).toHaveLength(3);
    expect(deriveStatus(thread?.events ?? [])).toBe("done");
  });
});
