import { createAnthropic } from "@ai-sdk/anthropic";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { calculator } from "../../shared/examples/agents.ts";
import { aiSdk } from "../../shared/llm/ai-sdk/index.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import {
  type AnthropicServer,
  anthropicError,
  startAnthropicServer,
  textMessage,
  toolUseMessage,
} from "./anthropic-server.ts";

describe("Function: createRunner, with an aiSdk model over @ai-sdk/anthropic", () => {
  let server: AnthropicServer;

  beforeEach(async () => {
    server = await startAnthropicServer({ refuseForcedChoice: ["claude-haiku-5-5"] });
  });

  afterEach(async () => {
    await server.close();
  });

  const anthropic = () => createAnthropic({ baseURL: server.baseURL, apiKey: server.apiKey });

  it("runs the calculator through an approval to done, on a model that refuses a forced choice", async () => {
    // Prepare: the forced choice is refused once, then every step asks with auto
    server.enqueue(
      { status: 200, body: toolUseMessage([["divide", { a: 10, b: 4 }]]) },
      { status: 200, body: toolUseMessage([["done_for_now", { message: "10 / 4 = 2.5" }]]) },
    );
    const runner = createRunner({
      agents: [calculator],
      model: aiSdk(anthropic()("claude-haiku-5-5")),
    });

    // Act
    const waiting = await runner.launch("calculator", "what is 10 / 4?");
    const pending = waiting.pending;
    const done = pending
      ? await runner.respond(waiting.threadId, { callId: pending.callId, approved: true })
      : waiting;

    // Assess
    expect(waiting.status).toBe("waiting_for_approval");
    expect(pending).toMatchObject({ kind: "approval", tool: "divide", args: { a: 10, b: 4 } });
    expect(done.status).toBe("done");
    expect(done.output).toBe("10 / 4 = 2.5");
    expect(done.events.map((event) => event.type)).toEqual([
      "user_message",
      "tool_call",
      "approval_requested",
      "approval_decision",
      "tool_result",
      "tool_call",
      "done",
    ]);
    expect(server.requests.map((r) => (r.body.tool_choice as { type: string }).type)).toEqual([
      "any",
      "auto",
      "auto",
    ]);
  });

  it("carries on past text and an overloaded API, each an error event the next step reads", async () => {
    server.enqueue(
      { status: 200, body: textMessage("Let me think: 2 + 3 is 5.") },
      { status: 529, body: anthropicError("overloaded_error", "Overloaded") },
      { status: 200, body: toolUseMessage([["add", { a: 2, b: 3 }]]) },
      { status: 200, body: toolUseMessage([["done_for_now", { message: "5" }]]) },
    );
    const runner = createRunner({
      agents: [calculator],
      model: aiSdk(anthropic()("claude-sonnet-5-5")),
    });

    const run = await runner.launch("calculator", "2 + 3?");

    expect(run.status).toBe("done");
    expect(run.output).toBe("5");
    const errors = run.events.flatMap((event) => (event.type === "error" ? [event.data] : []));
    expect(errors).toEqual([
      expect.objectContaining({ message: expect.stringContaining("text instead of a tool call") }),
      {
        code: "model_failed",
        message:
          "model failed: ai-sdk:anthropic.messages (claude-sonnet-5-5) returned 529 (overloaded_error)",
      },
    ]);
    // The newest Claude model is asked with auto from the first step.
    expect(server.requests.map((r) => (r.body.tool_choice as { type: string }).type)).toEqual([
      "auto",
      "auto",
      "auto",
      "auto",
    ]);
  });
});
