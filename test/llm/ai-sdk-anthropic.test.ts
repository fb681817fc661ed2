import { createAnthropic } from "@ai-sdk/anthropic";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ModelError } from "../../shared/core/errors.ts";
import type { ModelRequest } from "../../shared/core/ports.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { aiSdk } from "../../shared/llm/ai-sdk/index.ts";
import { ONE_CALL_INSTRUCTION } from "../../shared/llm/one-call.ts";
import {
  type AnthropicServer,
  anthropicError,
  startAnthropicServer,
  textMessage,
  toolUseMessage,
} from "./anthropic-server.ts";

const request: ModelRequest = {
  messages: [
    { role: "system", content: "You are a calculator." },
    { role: "user", content: "<user_message>\nwhat is 3 + 4?\n</user_message>" },
  ],
  tools: calculator.tools.map((tool) => tool.spec),
};

/** A model that takes a forced choice in the AI SDK's matrix, refused by the server below. */
const REFUSING = "claude-haiku-5-5";

describe("Class: AiSdkModel over @ai-sdk/anthropic and a local Messages API", () => {
  let server: AnthropicServer;

  beforeEach(async () => {
    server = await startAnthropicServer({ refuseForcedChoice: [REFUSING] });
  });

  afterEach(async () => {
    await server.close();
  });

  const modelFor = (modelId: string, apiKey = server.apiKey) =>
    aiSdk(createAnthropic({ baseURL: server.baseURL, apiKey })(modelId));

  /** The ModelError `promise` rejects with (fails the test on anything else). */
  const modelError = async (promise: Promise<unknown>): Promise<ModelError> => {
    const error = await promise.then(
      () => expect.fail("expected a ModelError"),
      (cause: unknown) => cause,
    );
    expect(error).toBeInstanceOf(ModelError);
    return error as ModelError;
  };

  const systemText = (body: Record<string, unknown> | undefined) =>
    (body?.system as { text: string }[] | undefined)?.map((block) => block.text).join("\n");

  it("forces one tool use (any, no parallel use) and maps the call, with cached tokens", async () => {
    // Prepare
    server.enqueue({
      status: 200,
      body: toolUseMessage([["add", { a: 3, b: 4 }]], {
        usage: {
          input_tokens: 10,
          output_tokens: 7,
          cache_read_input_tokens: 30,
          cache_creation_input_tokens: 5,
        },
      }),
    });

    // Act
    const reply = await modelFor("claude-sonnet-5").next(request);

    // Assess
    expect(reply).toEqual({
      type: "tool_call",
      tool: "add",
      args: { a: 3, b: 4 },
      usage: {
        inputTokens: 45,
        outputTokens: 7,
        cacheReadTokens: 30,
        cacheWriteTokens: 5,
        model: "claude-sonnet-5-20260101",
      },
    });
    expect(server.requests).toHaveLength(1);
    const [sent] = server.requests;
    expect(sent?.path).toBe("/v1/messages");
    expect(sent?.body).toMatchObject({
      model: "claude-sonnet-5",
      tool_choice: { type: "any", disable_parallel_tool_use: true },
      messages: [
        {
          role: "user",
          content: [{ type: "text", text: "<user_message>\nwhat is 3 + 4?\n</user_message>" }],
        },
      ],
    });
    expect(systemText(sent?.body)).toBe("You are a calculator.");
    // The prompt cache's point: the tools and the system prompt, the same at every step.
    expect(sent?.body.system).toEqual([
      { type: "text", text: "You are a calculator.", cache_control: { type: "ephemeral" } },
    ]);
    const tools = (sent?.body.tools ?? []) as { name: string; input_schema: unknown }[];
    expect(tools.map((tool) => tool.name)).toEqual(calculator.tools.map((tool) => tool.name));
    expect(tools[0]?.input_schema).toEqual(calculator.tools[0]?.spec.parameters);
  });

  it("asks again with auto when the model refuses the forced choice (400), and from then on", async () => {
    // Prepare
    server.enqueue(
      { status: 200, body: toolUseMessage([["add", { a: 3, b: 4 }]]) },
      { status: 200, body: toolUseMessage([["done_for_now", { message: "7" }]]) },
    );
    const model = modelFor(REFUSING);

    // Act
    const first = await model.next(request);
    const second = await model.next(request);

    // Assess
    expect(first).toMatchObject({ type: "tool_call", tool: "add", args: { a: 3, b: 4 } });
    expect(second).toMatchObject({ type: "tool_call", tool: "done_for_now" });
    expect(server.requests.map((r) => (r.body.tool_choice as { type: string }).type)).toEqual([
      "any",
      "auto",
      "auto",
    ]);
    expect(server.requests[1]?.body.tool_choice).toEqual({
      type: "auto",
      disable_parallel_tool_use: true,
    });
    expect(systemText(server.requests[1]?.body)).toBe(
      `You are a calculator.\n\n${ONE_CALL_INSTRUCTION}`,
    );
    // Apart from the choice and the instruction, the request is the same: tools stay stable.
    expect(server.requests[2]?.body.tools).toEqual(server.requests[0]?.body.tools);
  });

  it("sends the newest Claude models auto and the instruction at once (the table)", async () => {
    server.enqueue({ status: 200, body: toolUseMessage([["add", { a: 1, b: 2 }]]) });
    const reply = await modelFor("claude-sonnet-5-5").next(request);
    expect(reply).toMatchObject({ type: "tool_call", tool: "add" });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.body.tool_choice).toEqual({
      type: "auto",
      disable_parallel_tool_use: true,
    });
    expect(systemText(server.requests[0]?.body)).toContain(ONE_CALL_INSTRUCTION);
  });

  it("learns from the provider's warning when it sent auto itself, and adds the instruction next", async () => {
    // Prepare: forced by the option, but @ai-sdk/anthropic knows the model refuses it
    server.enqueue(
      { status: 200, body: toolUseMessage([["add", { a: 1, b: 2 }]]) },
      { status: 200, body: toolUseMessage([["add", { a: 3, b: 4 }]]) },
    );
    const model = aiSdk(
      createAnthropic({ baseURL: server.baseURL, apiKey: server.apiKey })("claude-opus-5-5"),
      { forceToolChoice: true },
    );

    // Act
    await model.next(request);
    await model.next(request);

    // Assess
    expect(server.requests.map((r) => (r.body.tool_choice as { type: string }).type)).toEqual([
      "auto",
      "auto",
    ]);
    expect(systemText(server.requests[0]?.body)).not.toContain(ONE_CALL_INSTRUCTION);
    expect(systemText(server.requests[1]?.body)).toContain(ONE_CALL_INSTRUCTION);
  });

  it("answers invalid to text, which the model reads on its next step", async () => {
    server.enqueue({ status: 200, body: textMessage("3 + 4 is 7.") });
    const reply = await modelFor("claude-sonnet-5").next(request);
    expect(reply).toEqual({
      type: "invalid",
      reason:
        'the model replied with text instead of a tool call: "3 + 4 is 7."; reply with exactly one tool call',
      usage: { inputTokens: 42, outputTokens: 7, model: "claude-sonnet-5-20260101" },
    });
  });

  it("answers invalid to two tool_use blocks", async () => {
    server.enqueue({
      status: 200,
      body: toolUseMessage([
        ["add", { a: 3, b: 4 }],
        ["multiply", { a: 3, b: 4 }],
      ]),
    });
    const reply = await modelFor("claude-sonnet-5").next(request);
    expect(reply).toMatchObject({
      type: "invalid",
      reason: "the model made 2 tool calls (add, multiply); reply with exactly one tool call",
    });
  });

  it("throws a retryable ModelError when the API is overloaded (529)", async () => {
    server.enqueue({ status: 529, body: anthropicError("overloaded_error", "Overloaded") });
    const error = await modelError(modelFor("claude-sonnet-5").next(request));
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      "ai-sdk:anthropic.messages (claude-sonnet-5) returned 529 (overloaded_error)",
    );
    expect(server.requests).toHaveLength(1);
  });

  it("throws a non-retryable ModelError saying to check the key on 401, without the key", async () => {
    const error = await modelError(modelFor("claude-sonnet-5", "sk-ant-wrong").next(request));
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      "ai-sdk:anthropic.messages (claude-sonnet-5) returned 401 (authentication_error): check the provider's API key",
    );
    expect(error.message).not.toContain("sk-ant");
  });

  it("throws a retryable ModelError naming the failed connection when the API is down", async () => {
    const model = modelFor("claude-sonnet-5");
    await server.close();
    const error = await modelError(model.next(request));
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      "ai-sdk:anthropic.messages (claude-sonnet-5): the request to the provider failed (ECONNREFUSED)",
    );
    server = await startAnthropicServer();
  });
});
