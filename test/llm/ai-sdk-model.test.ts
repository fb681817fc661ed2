import {
  APICallError,
  type LanguageModelV4CallOptions,
  type LanguageModelV4Content,
  type LanguageModelV4GenerateResult,
  LoadAPIKeyError,
} from "@ai-sdk/provider";
import { MockLanguageModelV4 } from "ai/test";
import { describe, expect, it } from "vitest";
import { ConfigError, ModelError } from "../../shared/core/errors.ts";
import type { ModelRequest } from "../../shared/core/ports.ts";
import { calculator } from "../../shared/examples/agents.ts";
import {
  AiSdkModel,
  aiSdk,
  SPECIFICATION_VERSION,
  takesForcedChoice,
} from "../../shared/llm/ai-sdk/index.ts";
import { ONE_CALL_INSTRUCTION } from "../../shared/llm/one-call.ts";

const request: ModelRequest = {
  messages: [
    { role: "system", content: "You are a calculator." },
    { role: "user", content: "<user_message>\nwhat is 3 + 4?\n</user_message>" },
  ],
  tools: calculator.tools.map((tool) => tool.spec),
};

const USAGE = {
  inputTokens: { total: 50, noCache: 10, cacheRead: 30, cacheWrite: 10 },
  outputTokens: { total: 7, text: 7, reasoning: undefined },
};

/** A `doGenerate` result holding `content`, as a provider returns it. */
const result = (
  content: LanguageModelV4Content[],
  extra: Partial<LanguageModelV4GenerateResult> = {},
): LanguageModelV4GenerateResult => ({
  content,
  finishReason: { unified: "tool-calls", raw: "tool_use" },
  usage: USAGE,
  warnings: [],
  ...extra,
});

const toolCall = (toolName: string, input: string): LanguageModelV4Content => ({
  type: "tool-call",
  toolCallId: `call_${toolName}`,
  toolName,
  input,
});

/** An APICallError as a provider throws it for an HTTP status (the SDK decides isRetryable). */
const apiError = (statusCode: number, body: string, isRetryable?: boolean) =>
  new APICallError({
    message: body,
    url: "https://api.example.com/v1/messages",
    requestBodyValues: {},
    statusCode,
    responseBody: body,
    data: (() => {
      try {
        return JSON.parse(body) as unknown;
      } catch {
        return undefined;
      }
    })(),
    ...(isRetryable !== undefined ? { isRetryable } : {}),
  });

/** A mock model, each with an id of its own. */
let ids = 0;
const mock = (
  doGenerate: ConstructorParameters<typeof MockLanguageModelV4>[0] extends infer O
    ? O extends { doGenerate?: infer D }
      ? D
      : never
    : never,
  { provider = "mock-provider", modelId = `mock-${++ids}` } = {},
) => new MockLanguageModelV4({ provider, modelId, doGenerate });

/** The ModelError `promise` rejects with (fails the test on anything else). */
const modelError = async (promise: Promise<unknown>): Promise<ModelError> => {
  const error = await promise.then(
    () => expect.fail("expected a ModelError"),
    (cause: unknown) => cause,
  );
  expect(error).toBeInstanceOf(ModelError);
  return error as ModelError;
};

const systemOf = (options: LanguageModelV4CallOptions | undefined) =>
  options?.prompt.find((message) => message.role === "system")?.content;

describe("Class: AiSdkModel", () => {
  describe("Interface: the AI SDK's LanguageModelV4", () => {
    it("speaks specification v4, as the mock and @ai-sdk/anthropic do (an upgrade fails here)", async () => {
      const { anthropic } = await import("@ai-sdk/anthropic");
      expect(SPECIFICATION_VERSION).toBe("v4");
      expect(new MockLanguageModelV4().specificationVersion).toBe(SPECIFICATION_VERSION);
      expect(anthropic("claude-sonnet-5").specificationVersion).toBe(SPECIFICATION_VERSION);
    });

    it("refuses a model of another specification, naming it", () => {
      const older = { ...new MockLanguageModelV4(), specificationVersion: "v3" };
      expect(() => aiSdk(older as never)).toThrow(ConfigError);
      expect(() => aiSdk(older as never)).toThrow(/specification v4; this one is "v3"/);
    });

    it("names its provider and model", () => {
      const model = aiSdk(mock([], { provider: "anthropic.messages", modelId: "claude-x" }));
      expect(model).toBeInstanceOf(AiSdkModel);
      expect(model.identity).toEqual({ provider: "ai-sdk:anthropic.messages", model: "claude-x" });
    });
  });

  describe("Method: next", () => {
    it("forces one call of the tools it sends, and maps the call with its usage", async () => {
      // Prepare
      const languageModel = mock(
        result([toolCall("add", '{"a":3,"b":4}')], {
          response: { modelId: "mock-answered-2026" },
        }),
      );

      // Act
      const reply = await aiSdk(languageModel).next(request);

      // Assess
      expect(reply).toEqual({
        type: "tool_call",
        tool: "add",
        args: { a: 3, b: 4 },
        usage: {
          inputTokens: 50,
          outputTokens: 7,
          cacheReadTokens: 30,
          cacheWriteTokens: 10,
          model: "mock-answered-2026",
        },
      });
      const [sent] = languageModel.doGenerateCalls;
      expect(sent?.toolChoice).toEqual({ type: "required" });
      expect(sent?.prompt).toEqual([
        { role: "system", content: "You are a calculator." },
        {
          role: "user",
          content: [{ type: "text", text: "<user_message>\nwhat is 3 + 4?\n</user_message>" }],
        },
      ]);
      expect(sent?.tools).toEqual(
        calculator.tools.map((tool) => ({
          type: "function",
          name: tool.name,
          description: tool.description,
          inputSchema: tool.spec.parameters,
        })),
      );
      expect(sent?.providerOptions).toEqual({});
    });

    it("records the model's own id and no cache counts when the provider names no model and read no cache", async () => {
      const usage = {
        inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: undefined },
        outputTokens: { total: 3, text: 3, reasoning: undefined },
      };
      const languageModel = mock(result([toolCall("add", "{}")], { usage }), {
        modelId: "mock-plain",
      });
      const reply = await aiSdk(languageModel).next(request);
      expect(reply.usage).toEqual({ inputTokens: 12, outputTokens: 3, model: "mock-plain" });
    });

    it("leaves usage out when the provider did not count input and output", async () => {
      const usage = {
        inputTokens: {
          total: undefined,
          noCache: undefined,
          cacheRead: undefined,
          cacheWrite: undefined,
        },
        outputTokens: { total: 3, text: 3, reasoning: undefined },
      };
      const reply = await aiSdk(mock(result([toolCall("add", "{}")], { usage }))).next(request);
      expect(reply).toEqual({ type: "tool_call", tool: "add", args: {} });
    });

    it("asks with auto and the one-call instruction where the tool choice is not forced", async () => {
      const languageModel = mock(result([toolCall("add", '{"a":1,"b":2}')]));
      const reply = await aiSdk(languageModel, { forceToolChoice: false }).next(request);
      expect(reply.type).toBe("tool_call");
      const [sent] = languageModel.doGenerateCalls;
      expect(sent?.toolChoice).toEqual({ type: "auto" });
      expect(systemOf(sent)).toBe(`You are a calculator.\n\n${ONE_CALL_INSTRUCTION}`);
      // The tools are the same whatever the choice, so a prompt cache holds.
      expect(sent?.tools).toHaveLength(calculator.tools.length);
    });

    it("puts the instruction in a system message of its own when the context has none", async () => {
      const languageModel = mock(result([toolCall("add", "{}")]));
      const userOnly = { ...request, messages: request.messages.slice(1) };
      await aiSdk(languageModel, { forceToolChoice: false }).next(userOnly);
      const [sent] = languageModel.doGenerateCalls;
      expect(sent?.prompt[0]).toEqual({ role: "system", content: ONE_CALL_INSTRUCTION });
      expect(sent?.prompt).toHaveLength(2);
    });

    it("takes the newest Claude models' refusal of a forced choice from the table", async () => {
      const newest = mock(result([toolCall("add", "{}")]), {
        provider: "anthropic.messages",
        modelId: "claude-sonnet-5-5",
      });
      await aiSdk(newest).next(request);
      expect(newest.doGenerateCalls[0]?.toolChoice).toEqual({ type: "auto" });
      expect(systemOf(newest.doGenerateCalls[0])).toContain(ONE_CALL_INSTRUCTION);

      const forcedAnyway = mock(result([toolCall("add", "{}")]), {
        provider: "anthropic.messages",
        modelId: "claude-opus-5-5-20270101",
      });
      await aiSdk(forcedAnyway, { forceToolChoice: true }).next(request);
      expect(forcedAnyway.doGenerateCalls[0]?.toolChoice).toEqual({ type: "required" });
    });

    it("asks with auto when Anthropic's extended thinking is on, which takes nothing else", async () => {
      const claude = { provider: "anthropic.messages", modelId: "claude-sonnet-5" };
      const thinking = mock(result([toolCall("add", "{}")]), claude);
      const adaptive = mock(result([toolCall("add", "{}")]), claude);
      const on = { anthropic: { thinking: { type: "enabled", budgetTokens: 2048 } } };
      const other = { anthropic: { thinking: { type: "adaptive" } } };

      await aiSdk(thinking, { providerOptions: on, forceToolChoice: true }).next(request);
      await aiSdk(adaptive, { providerOptions: other }).next(request);

      expect(thinking.doGenerateCalls[0]?.toolChoice).toEqual({ type: "auto" });
      expect(systemOf(thinking.doGenerateCalls[0])).toContain(ONE_CALL_INSTRUCTION);
      expect(adaptive.doGenerateCalls[0]?.toolChoice).toEqual({ type: "required" });
    });

    it("asks Claude models for one tool use per reply, beside the provider options given", async () => {
      const languageModel = mock(result([toolCall("add", "{}")]), {
        provider: "anthropic.messages",
        modelId: "claude-sonnet-5",
      });
      const providerOptions = {
        anthropic: { sendReasoning: false, disableParallelToolUse: false },
        other: { x: 1 },
      };
      await aiSdk(languageModel, { providerOptions, maxOutputTokens: 512 }).next(request);
      const [sent] = languageModel.doGenerateCalls;
      expect(sent?.toolChoice).toEqual({ type: "required" });
      expect(sent?.maxOutputTokens).toBe(512);
      expect(sent?.providerOptions).toEqual({
        anthropic: { sendReasoning: false, disableParallelToolUse: true },
        other: { x: 1 },
      });
    });

    it("puts a cache point on a Claude model's system message, unless told not to", async () => {
      const claude = { provider: "anthropic.messages", modelId: "claude-sonnet-5" };
      const cached = mock(result([toolCall("add", "{}")]), claude);
      const uncached = mock(result([toolCall("add", "{}")]), claude);
      const other = mock(result([toolCall("add", "{}")]));

      await aiSdk(cached).next(request);
      await aiSdk(uncached, { promptCache: false }).next(request);
      await aiSdk(other).next(request);

      expect(cached.doGenerateCalls[0]?.prompt[0]).toEqual({
        role: "system",
        content: "You are a calculator.",
        providerOptions: { anthropic: { cacheControl: { type: "ephemeral" } } },
      });
      expect(cached.doGenerateCalls[0]?.prompt[1]).not.toHaveProperty("providerOptions");
      expect(uncached.doGenerateCalls[0]?.prompt[0]).not.toHaveProperty("providerOptions");
      expect(other.doGenerateCalls[0]?.prompt[0]).not.toHaveProperty("providerOptions");
    });

    it.each([
      [
        [{ type: "text", text: "The answer is 7." }],
        /text instead of a tool call: "The answer is 7\."/,
      ],
      [[], /no tool call and no text/],
      [[toolCall("add", "{}"), toolCall("multiply", "{}")], /made 2 tool calls \(add, multiply\)/],
      [[toolCall("add", "{not json")], /arguments for add are not valid JSON/],
    ] as [LanguageModelV4Content[], RegExp][])(
      "answers invalid to a reply that is not one call (%#)",
      async (content, reason) => {
        const reply = await aiSdk(mock(result(content))).next(request);
        expect(reply.type).toBe("invalid");
        expect(reply.type === "invalid" && reply.reason).toMatch(reason);
        expect(reply.usage?.inputTokens).toBe(50);
      },
    );

    it("takes one call that comes with text and reasoning (the text is not a second answer)", async () => {
      const content: LanguageModelV4Content[] = [
        { type: "reasoning", text: "3 and 4: add them." },
        { type: "text", text: "I'll add these." },
        toolCall("add", '{"a":3,"b":4}'),
      ];
      const reply = await aiSdk(mock(result(content))).next(request);
      expect(reply).toMatchObject({ type: "tool_call", tool: "add", args: { a: 3, b: 4 } });
    });

    it("reads a content filter's stop as a refusal", async () => {
      const filtered = result([], { finishReason: { unified: "content-filter", raw: "refusal" } });
      const reply = await aiSdk(mock(filtered)).next(request);
      expect(reply).toMatchObject({
        type: "invalid",
        reason: 'the model refused: "stopped by the provider (refusal)"',
      });
    });

    it("leaves out the calls the provider ran itself, and reads no arguments as {}", async () => {
      const webSearch: LanguageModelV4Content = {
        ...toolCall("web_search", '{"q":"x"}'),
        providerExecuted: true,
      } as LanguageModelV4Content;
      const reply = await aiSdk(mock(result([webSearch, toolCall("add", "")]))).next(request);
      expect(reply).toMatchObject({ type: "tool_call", tool: "add", args: {} });
    });

    it("throws a retryable ModelError when the provider returns a result without content", async () => {
      const error = await modelError(
        aiSdk(mock({} as never, { modelId: "m-empty" })).next(request),
      );
      expect(error.message).toBe(
        "ai-sdk:mock-provider (m-empty) returned a result without content",
      );
      expect(error.retryable).toBe(true);
    });
  });

  describe("Method: next, when the forced choice is refused", () => {
    const refusal = JSON.stringify({
      type: "error",
      error: {
        type: "invalid_request_error",
        message: "tool_choice any is not supported by this model",
      },
    });

    it("asks again with auto on a 400 refusing it, and with auto from then on", async () => {
      // Prepare: a model the table says takes a forced choice, refusing it
      const languageModel = mock(async (options: LanguageModelV4CallOptions) => {
        if (options.toolChoice?.type === "required") throw apiError(400, refusal);
        return result([toolCall("add", '{"a":1,"b":2}')]);
      });
      const model = aiSdk(languageModel);
      expect(model.forced()).toBe(true);

      // Act
      const first = await model.next(request);
      const second = await model.next(request);

      // Assess
      expect(first).toMatchObject({ type: "tool_call", tool: "add" });
      expect(second).toMatchObject({ type: "tool_call", tool: "add" });
      expect(languageModel.doGenerateCalls.map((call) => call.toolChoice?.type)).toEqual([
        "required",
        "auto",
        "auto",
      ]);
      expect(systemOf(languageModel.doGenerateCalls[1])).toContain(ONE_CALL_INSTRUCTION);
      expect(model.forced()).toBe(false);
      // The memory is the instance's: another instance over the same model starts from the table.
      expect(aiSdk(languageModel).forced()).toBe(true);
    });

    it("remembers the model when the provider sent auto itself and warned", async () => {
      const languageModel = mock(
        result([toolCall("add", "{}")], {
          warnings: [{ type: "unsupported", feature: "toolChoice", details: "using auto" }],
        }),
      );
      const model = aiSdk(languageModel);
      await model.next(request);
      await model.next(request);
      expect(languageModel.doGenerateCalls.map((call) => call.toolChoice?.type)).toEqual([
        "required",
        "auto",
      ]);
    });

    it.each([
      // Anthropic, extended thinking with a forced choice
      "Thinking may not be enabled when tool_choice forces tool use.",
      // Bedrock (@ai-sdk/amazon-bedrock), a model other than Claude
      "The model returned the following errors: This model doesn't support the toolConfig.toolChoice.any field.",
      "forced tool use is not supported for this model",
    ])("reads a 400 saying %j as a refused forced choice", async (said) => {
      const languageModel = mock(async (options: LanguageModelV4CallOptions) => {
        if (options.toolChoice?.type === "required") throw apiError(400, said);
        return result([toolCall("add", "{}")]);
      });
      const reply = await aiSdk(languageModel).next(request);
      expect(reply.type).toBe("tool_call");
      expect(languageModel.doGenerateCalls).toHaveLength(2);
    });

    it("does not retry another 400, which says what to fix", async () => {
      const invalid = JSON.stringify({
        type: "error",
        error: { type: "invalid_request_error", message: "max_tokens: too large" },
      });
      const languageModel = mock(
        async () => {
          throw apiError(400, invalid);
        },
        { modelId: "m-400" },
      );
      const error = await modelError(aiSdk(languageModel).next(request));
      expect(languageModel.doGenerateCalls).toHaveLength(1);
      expect(error.retryable).toBe(false);
      expect(error.message).toBe(
        "ai-sdk:mock-provider (m-400) returned 400 (invalid_request_error): the provider refused the request; check the model's settings and provider options",
      );
      expect(error.message).not.toContain("max_tokens");
      expect(error.cause).toBeInstanceOf(APICallError);
    });

    it("throws the failure of the second attempt as a ModelError", async () => {
      const languageModel = mock(
        async (options: LanguageModelV4CallOptions) => {
          if (options.toolChoice?.type === "required") throw apiError(400, refusal);
          throw apiError(503, "{}");
        },
        { modelId: "m-both" },
      );
      const error = await modelError(aiSdk(languageModel).next(request));
      expect(error.message).toBe("ai-sdk:mock-provider (m-both) returned 503");
      expect(error.retryable).toBe(true);
      expect(languageModel.doGenerateCalls).toHaveLength(2);
    });
  });

  describe("Method: next, when the provider fails", () => {
    it.each([
      [
        429,
        '{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}',
        true,
        "returned 429 (rate_limit_error)",
      ],
      [
        529,
        '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
        true,
        "returned 529 (overloaded_error)",
      ],
      [500, "oops", true, "returned 500"],
      [
        401,
        '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}',
        false,
        "returned 401 (authentication_error): check the provider's API key",
      ],
      [
        403,
        "{}",
        false,
        "returned 403: check that the key may use this model (model access, organization, region)",
      ],
      [404, "{}", false, "returned 404: check the model id"],
    ] as const)(
      "maps %i to a ModelError (retryable: %s)",
      async (status, body, retryable, said) => {
        const languageModel = mock(
          async () => {
            throw apiError(status, body);
          },
          { modelId: `m-${status}` },
        );
        const error = await modelError(aiSdk(languageModel).next(request));
        expect(error.retryable).toBe(retryable);
        expect(error.message).toBe(`ai-sdk:mock-provider (m-${status}) ${said}`);
      },
    );

    it("keeps the provider's own retry decision", async () => {
      const languageModel = mock(
        async () => {
          throw apiError(400, "{}", true);
        },
        { modelId: "m-retry-400" },
      );
      expect((await modelError(aiSdk(languageModel).next(request))).retryable).toBe(true);
    });

    it("names the network failure when no status came back", async () => {
      const cause = Object.assign(new TypeError("fetch failed"), {
        cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      });
      const languageModel = mock(
        async () => {
          throw new APICallError({
            message: "Cannot connect to API: fetch failed",
            url: "http://127.0.0.1:1/v1/messages",
            requestBodyValues: {},
            cause,
            isRetryable: true,
          });
        },
        { modelId: "m-down" },
      );
      const error = await modelError(aiSdk(languageModel).next(request));
      expect(error.message).toBe(
        "ai-sdk:mock-provider (m-down): the request to the provider failed (ECONNREFUSED)",
      );
      expect(error.retryable).toBe(true);
    });

    it("escalates a missing API key, quoting the provider's hint", async () => {
      const languageModel = mock(
        async () => {
          throw new LoadAPIKeyError({
            message: "Anthropic API key is missing. Set ANTHROPIC_API_KEY.",
          });
        },
        { modelId: "m-nokey" },
      );
      const error = await modelError(aiSdk(languageModel).next(request));
      expect(error.retryable).toBe(false);
      expect(error.message).toBe(
        "ai-sdk:mock-provider (m-nokey) has no API key: Anthropic API key is missing. Set ANTHROPIC_API_KEY.",
      );
    });

    it("abandons a call after timeoutMs as a retryable ModelError", async () => {
      const languageModel = mock(
        (options: LanguageModelV4CallOptions) =>
          new Promise<never>((_resolve, reject) => {
            options.abortSignal?.addEventListener("abort", () =>
              reject(options.abortSignal?.reason),
            );
          }),
        { modelId: "m-slow" },
      );
      const error = await modelError(aiSdk(languageModel, { timeoutMs: 5 }).next(request));
      expect(error.message).toBe("ai-sdk:mock-provider (m-slow) failed (TimeoutError)");
      expect(error.retryable).toBe(true);
    });

    it("calls anything else a non-retryable failure, by its name", async () => {
      const languageModel = mock(
        async () => {
          throw new RangeError("a bug");
        },
        { modelId: "m-bug" },
      );
      const error = await modelError(aiSdk(languageModel).next(request));
      expect(error.message).toBe("ai-sdk:mock-provider (m-bug) failed (RangeError)");
      expect(error.retryable).toBe(false);
    });
  });
});

describe("Function: takesForcedChoice", () => {
  it.each([
    ["anthropic.messages", "claude-sonnet-5", true],
    ["anthropic.messages", "claude-opus-5", true],
    ["anthropic.messages", "claude-opus-5-5", false],
    ["anthropic.messages", "claude-sonnet-5-5-20270101", false],
    ["anthropic.messages", "claude-fable-5-2", false],
    ["amazon-bedrock", "us.anthropic.claude-sonnet-5-5-v1:0", false],
    ["amazon-bedrock", "anthropic.claude-sonnet-5-v1:0", true],
    ["amazon-bedrock", "meta.llama4-maverick-17b-instruct-v1:0", false],
    ["openai.chat", "gpt-5-mini", true],
    ["google.generative-ai", "gemini-3-flash", true],
  ] as const)("%s %s: %s", (provider, modelId, forced) => {
    expect(takesForcedChoice({ provider, modelId })).toBe(forced);
  });
});
