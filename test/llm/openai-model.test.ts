import { OpenAI } from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ModelError } from "../../shared/core/errors.ts";
import type { ModelRequest } from "../../shared/core/ports.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { OpenAIModel } from "../../shared/llm/openai-model.ts";
import { type ChatServer, startChatServer } from "./chat-server.ts";
import { apiError, completion, textCompletion, toolCallCompletion } from "./completions.ts";

const request: ModelRequest = {
  messages: [
    { role: "system", content: "You are a calculator." },
    { role: "user", content: "<user_message>\nwhat is 3 + 4?\n</user_message>" },
  ],
  tools: calculator.tools.map((tool) => tool.spec),
};

describe("Class: OpenAIModel", () => {
  let server: ChatServer;

  beforeEach(async () => {
    server = await startChatServer();
  });

  afterEach(async () => {
    await server.close();
  });

  const modelFor = (options: { maxRetries?: number; timeout?: number } = {}) =>
    new OpenAIModel({
      model: "gpt-4o-mini",
      client: new OpenAI({ apiKey: "test-key", baseURL: server.baseURL, ...options }),
    });

  /** The test server's host and port, as messages name it. */
  const host = () => new URL(server.baseURL).host;

  /** The ModelError `promise` rejects with (fails the test on anything else). */
  const modelError = async (promise: Promise<unknown>): Promise<ModelError> => {
    const error = await promise.then(
      () => expect.fail("expected a ModelError"),
      (cause: unknown) => cause,
    );
    expect(error).toBeInstanceOf(ModelError);
    return error as ModelError;
  };

  describe("Method: next", () => {
    it("sends strict tools, one required call and the messages, and maps the tool call", async () => {
      // Prepare
      server.enqueue({ status: 200, body: toolCallCompletion([["add", '{"a":3,"b":4}']]) });
      const model = modelFor();

      // Act
      const reply = await model.next(request);

      // Assess
      expect(reply).toEqual({
        type: "tool_call",
        tool: "add",
        args: { a: 3, b: 4 },
        usage: { inputTokens: 42, outputTokens: 7, model: "gpt-4o-mini" },
      });
      expect(server.requests).toHaveLength(1);
      const [sent] = server.requests;
      expect(sent?.method).toBe("POST");
      expect(sent?.path).toBe("/v1/chat/completions");
      expect(sent?.headers.authorization).toBe("Bearer test-key");
      expect(sent?.body).toMatchObject({
        model: "gpt-4o-mini",
        messages: request.messages,
        tool_choice: "required",
        parallel_tool_calls: false,
      });
      expect(sent?.body.tools).toEqual(
        calculator.tools.map((tool) => ({
          type: "function",
          function: {
            name: tool.name,
            description: tool.description,
            parameters: tool.spec.parameters,
            strict: true,
          },
        })),
      );
    });

    it("leaves usage out when the API does not report it", async () => {
      // Prepare
      const body = completion(
        {
          role: "assistant",
          content: null,
          refusal: null,
          tool_calls: [{ id: "c1", type: "function", function: { name: "add", arguments: "{}" } }],
        },
        null,
      );
      server.enqueue({ status: 200, body });

      // Act
      const reply = await modelFor().next(request);

      // Assess
      expect(reply).toEqual({ type: "tool_call", tool: "add", args: {} });
    });

    it("retries a 429 through the SDK and returns the next good reply", async () => {
      // Prepare
      server.enqueue(
        {
          status: 429,
          body: apiError("Rate limit reached", "requests", "rate_limit_exceeded"),
          headers: { "retry-after-ms": "1" },
        },
        { status: 200, body: toolCallCompletion([["multiply", '{"a":2,"b":5}']]) },
      );

      // Act
      const reply = await modelFor({ maxRetries: 2 }).next(request);

      // Assess
      expect(server.requests).toHaveLength(2);
      expect(reply).toMatchObject({ type: "tool_call", tool: "multiply", args: { a: 2, b: 5 } });
    });

    it("throws a retryable ModelError when 500s outlast the SDK's retries", async () => {
      // Prepare
      const failure = {
        status: 500,
        body: apiError("The server had an error", "server_error"),
        headers: { "retry-after-ms": "1" },
      };
      server.enqueue(failure, failure, failure);

      // Act
      const error = await modelError(modelFor({ maxRetries: 2 }).next(request));

      // Assess
      expect(server.requests).toHaveLength(3);
      expect(error.retryable).toBe(true);
      expect(error.message).toBe(`OpenAI API at ${host()} returned 500 (server_error)`);
      expect(error.cause).toBeInstanceOf(OpenAI.InternalServerError);
    });

    it("throws a non-retryable ModelError on a 401, without retrying", async () => {
      // Prepare
      server.enqueue({
        status: 401,
        body: apiError(
          "Incorrect API key provided: test-***key",
          "invalid_request_error",
          "invalid_api_key",
        ),
      });

      // Act
      const error = await modelError(modelFor({ maxRetries: 2 }).next(request));

      // Assess
      expect(server.requests).toHaveLength(1);
      expect(error.retryable).toBe(false);
      expect(error.message).toBe(`OpenAI API at ${host()} returned 401 (invalid_api_key)`);
      expect(error.message).not.toContain("test-");
      expect(error.cause).toBeInstanceOf(OpenAI.AuthenticationError);
    });

    it("throws a non-retryable ModelError on a 400", async () => {
      // Prepare
      server.enqueue({
        status: 400,
        body: apiError("Invalid schema for function 'add'", "invalid_request_error"),
      });

      // Act
      const error = await modelError(modelFor().next(request));

      // Assess
      expect(server.requests).toHaveLength(1);
      expect(error.retryable).toBe(false);
      expect(error.message).toBe(`OpenAI API at ${host()} returned 400 (invalid_request_error)`);
    });

    it("throws a retryable ModelError when the server never answers in time", async () => {
      // Prepare
      server.enqueue("hang");

      // Act
      const error = await modelError(modelFor({ timeout: 200, maxRetries: 0 }).next(request));

      // Assess
      expect(server.requests).toHaveLength(1);
      expect(error.retryable).toBe(true);
      expect(error.message).toBe(`OpenAI request to ${host()} timed out`);
      expect(error.cause).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    });

    it("throws a retryable ModelError when the server cannot be reached", async () => {
      // Prepare
      const baseURL = server.baseURL;
      await server.close();
      server = await startChatServer();
      const model = new OpenAIModel({
        model: "gpt-4o-mini",
        client: new OpenAI({ apiKey: "test-key", baseURL, maxRetries: 0 }),
      });

      // Act
      const error = await modelError(model.next(request));

      // Assess
      expect(error.retryable).toBe(true);
      // The base URL's host names the server; the key is never in the message.
      expect(error.message).toBe(
        `OpenAI connection to ${new URL(baseURL).host} failed (ECONNREFUSED)`,
      );
      expect(error.message).not.toContain("test-key");
      expect(error.cause).toBeInstanceOf(OpenAI.APIConnectionError);
    });

    it("answers invalid when the arguments are not valid JSON", async () => {
      // Prepare
      server.enqueue({ status: 200, body: toolCallCompletion([["add", '{"a":3,"b":']]) });

      // Act
      const reply = await modelFor().next(request);

      // Assess
      expect(reply).toEqual({
        type: "invalid",
        reason: 'the arguments for add are not valid JSON: "{\\"a\\":3,\\"b\\":"',
        usage: { inputTokens: 42, outputTokens: 7, model: "gpt-4o-mini" },
      });
    });

    it("answers invalid, with a short excerpt, when the model replies with text only", async () => {
      // Prepare
      const text = `The answer is 7. ${"x".repeat(500)}`;
      server.enqueue({ status: 200, body: textCompletion(text) });

      // Act
      const reply = await modelFor().next(request);

      // Assess
      expect(reply.type).toBe("invalid");
      const reason = reply.type === "invalid" ? reply.reason : "";
      expect(reason).toContain("replied with text instead of a tool call");
      expect(reason).toContain("The answer is 7.");
      expect(reason).toContain("reply with exactly one tool call");
      expect(reason.length).toBeLessThan(320);
    });

    const fn = (args: unknown) => ({
      id: "c1",
      type: "function",
      function: { name: "add", arguments: args },
    });
    const message = (extra: object) => ({ role: "assistant", content: null, ...extra });
    it.each([
      ["no choices", { id: "x", object: "chat.completion" }, "without `choices`"],
      ["choices: null", { choices: null }, "without `choices`"],
      ["an empty choices", { choices: [] }, "with an empty `choices`"],
      ["a choice without a message", { choices: [{ index: 0 }] }, "without `choices[0].message`"],
      ["a choice that is not an object", { choices: ["hi"] }, "without `choices[0].message`"],
      [
        "tool_calls that is not an array",
        { choices: [{ message: message({ tool_calls: { name: "add" } }) }] },
        "with `tool_calls` that is not an array",
      ],
      [
        "a call without a function",
        { choices: [{ message: message({ tool_calls: [{ id: "c1", type: "function" }] }) }] },
        "with `tool_calls[0]` without `function.name`",
      ],
      [
        "arguments that are not a string",
        { choices: [{ message: message({ tool_calls: [fn({ a: 1 })] }) }] },
        "with `tool_calls[0]` whose `function.arguments` is not a string",
      ],
      [
        "a call of an unknown type",
        { choices: [{ message: message({ tool_calls: [{ type: "mystery" }] }) }] },
        'with `tool_calls[0]` of unknown type "mystery"',
      ],
      ["a body that is not an object", "OK", "with a body that is not a JSON object"],
    ])("throws a retryable ModelError naming the host for a 200 with %s", async (_, body, what) => {
      // Prepare
      server.enqueue({ status: 200, body });

      // Act
      const error = await modelError(modelFor().next(request));

      // Assess
      expect(server.requests).toHaveLength(1);
      expect(error.message).toBe(`the model server at ${host()} answered 200 ${what}`);
      expect(error.retryable).toBe(true);
    });

    it("records the input read from the prompt cache (prompt_tokens_details.cached_tokens)", async () => {
      // Prepare
      const usage = (cached: unknown) => ({
        prompt_tokens: 2_000,
        completion_tokens: 9,
        prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
      });
      const reply = { role: "assistant" as const, content: "hi", refusal: null };
      server.enqueue(
        { status: 200, body: completion(reply, usage(1_536)) },
        { status: 200, body: completion(reply, usage(0)) },
        { status: 200, body: completion(reply, usage(5_000)) },
      );

      // Act
      const cached = await modelFor().next(request);
      const none = await modelFor().next(request);
      const impossible = await modelFor().next(request);

      // Assess: a count above the input is no count
      expect(cached.usage).toMatchObject({ inputTokens: 2_000, cacheReadTokens: 1_536 });
      expect(none.usage).not.toHaveProperty("cacheReadTokens");
      expect(impossible.usage).not.toHaveProperty("cacheReadTokens");
      expect(impossible.usage).toMatchObject({ inputTokens: 2_000, outputTokens: 9 });
    });

    it("leaves out usage whose counts are not numbers", async () => {
      // Prepare
      const body = completion(
        { role: "assistant", content: "hi", refusal: null },
        { prompt_tokens: "many", completion_tokens: 3 },
      );
      server.enqueue({ status: 200, body });

      // Act
      const reply = await modelFor().next(request);

      // Assess
      expect(reply).not.toHaveProperty("usage");
    });

    it("answers invalid when the model makes two tool calls", async () => {
      // Prepare
      server.enqueue({
        status: 200,
        body: toolCallCompletion([
          ["add", '{"a":3,"b":4}'],
          ["multiply", '{"a":7,"b":2}'],
        ]),
      });

      // Act
      const reply = await modelFor().next(request);

      // Assess
      expect(reply).toEqual({
        type: "invalid",
        reason: "the model made 2 tool calls (add, multiply); reply with exactly one tool call",
        usage: { inputTokens: 42, outputTokens: 7, model: "gpt-4o-mini" },
      });
    });
  });
});
