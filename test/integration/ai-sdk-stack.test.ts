import { createAnthropic } from "@ai-sdk/anthropic";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { aiSdk } from "../../shared/llm/ai-sdk/index.ts";
import {
  type AnthropicServer,
  startAnthropicServer,
  toolUseMessage,
} from "../llm/anthropic-server.ts";
import { client, startTestStack } from "./local-stack.ts";

/**
 * The local stack (DynamoDB Local, fauxqs, the HTTP API, the pollers) serving the calculator on
 * `aiSdk(anthropic(...))`, against a local Messages API whose model refuses a forced tool choice.
 */
describe("the local stack with an aiSdk model over @ai-sdk/anthropic", () => {
  let server: AnthropicServer;
  let stack: LocalStack;

  beforeAll(async () => {
    server = await startAnthropicServer({ refuseForcedChoice: ["claude-haiku-5-5"] });
    const anthropic = createAnthropic({ baseURL: server.baseURL, apiKey: server.apiKey });
    stack = await startTestStack({
      model: aiSdk(anthropic("claude-haiku-5-5")),
      agents: [calculator],
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await server?.close();
  });

  it("launches, waits for the approval of divide, and runs to done with usage recorded", async () => {
    // Prepare
    server.enqueue(
      { status: 200, body: toolUseMessage([["divide", { a: 10, b: 4 }]]) },
      { status: 200, body: toolUseMessage([["done_for_now", { message: "10 / 4 = 2.5" }]]) },
    );
    const api = client(stack);

    // Act
    const launched = await api.launch("calculator", "what is 10 / 4?");
    const waiting = await api.waitFor(launched.body.threadId, "waiting_for_approval");
    const answered = await api.respond(launched.body.threadId, {
      callId: waiting.pending?.callId,
      approved: true,
    });
    const done = await api.waitFor(launched.body.threadId, "done");

    // Assess
    expect(launched.status).toBe(202);
    expect(waiting.pending).toMatchObject({ tool: "divide", args: { a: 10, b: 4 } });
    expect(answered.status).toBe(202);
    expect(done.output).toBe("10 / 4 = 2.5");
    expect(done.usage).toMatchObject({ inputTokens: 84, outputTokens: 14, modelCalls: 2 });
    // The forced choice was refused once and asked again with auto, which the next step kept.
    expect(server.requests.map((r) => (r.body.tool_choice as { type: string }).type)).toEqual([
      "any",
      "auto",
      "auto",
    ]);
  });
});
