import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ModelError } from "../../shared/core/errors.ts";
import type { ModelRequest } from "../../shared/core/ports.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { BedrockModel, type BedrockOptions, bedrock } from "../../shared/llm/bedrock/index.ts";
import { ONE_CALL_INSTRUCTION } from "../../shared/llm/one-call.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import {
  type ConverseServer,
  converseAnswer,
  errorAnswer,
  startConverseServer,
  textAnswer,
  toolUseAnswer,
} from "./converse-server.ts";

const request: ModelRequest = {
  messages: [
    { role: "system", content: "You are a calculator." },
    { role: "user", content: "<user_message>\nwhat is 3 + 4?\n</user_message>" },
  ],
  tools: calculator.tools.map((tool) => tool.spec),
};

/** Model ids: each test its own where the process remembers a refusal by id. */
const CLAUDE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const NEWEST_CLAUDE = "global.anthropic.claude-opus-5-5-v1:0";
const NOVA = "amazon.nova-pro-v1:0";
const LLAMA = "meta.llama3-3-70b-instruct-v1:0";

const cachePoint = { cachePoint: { type: "default" } };

describe("Class: BedrockModel (the real SDK against a local Converse server)", () => {
  let server: ConverseServer;
  const clients: BedrockRuntimeClient[] = [];

  beforeEach(async () => {
    server = await startConverseServer({ refuseForcedChoice: (id) => id.includes("refuses") });
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await server.close();
  });

  const modelFor = (modelId: string, options: Omit<BedrockOptions, "client"> = {}) => {
    const client = new BedrockRuntimeClient({
      endpoint: server.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      // One attempt: the adapter's mapping is under test, not the SDK's retries.
      maxAttempts: 1,
    });
    clients.push(client);
    return new BedrockModel(modelId, { ...options, client });
  };

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
    it("forces one tool call for a Claude model, with tool specs, cache points and the messages", async () => {
      // Prepare
      server.enqueue(toolUseAnswer([["add", { a: 3, b: 4 }]]));
      const model = modelFor(CLAUDE);

      // Act
      const reply = await model.next(request);

      // Assess
      expect(reply).toEqual({
        type: "tool_call",
        tool: "add",
        args: { a: 3, b: 4 },
        usage: { inputTokens: 42, outputTokens: 7, model: CLAUDE },
      });
      const [sent] = server.requests;
      expect(sent?.method).toBe("POST");
      expect(sent?.modelId).toBe(CLAUDE);
      expect(sent?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=test\//);
      expect(sent?.body.system).toEqual([{ text: "You are a calculator." }, cachePoint]);
      expect(sent?.body.messages).toEqual([
        { role: "user", content: [{ text: "<user_message>\nwhat is 3 + 4?\n</user_message>" }] },
      ]);
      expect(sent?.body.toolConfig).toEqual({
        tools: [
          ...calculator.tools.map((tool) => ({
            toolSpec: {
              name: tool.name,
              description: tool.description,
              inputSchema: { json: tool.spec.parameters },
            },
          })),
          cachePoint,
        ],
        toolChoice: { any: {} },
      });
    });

    it("sends auto and the one-call instruction to the newest Claude, and reads text as invalid", async () => {
      // Prepare
      server.enqueue(textAnswer("The answer is 7."));
      const model = modelFor(NEWEST_CLAUDE);

      // Act
      const reply = await model.next(request);

      // Assess
      expect(reply).toEqual({
        type: "invalid",
        reason:
          'the model replied with text instead of a tool call: "The answer is 7."; reply with exactly one tool call',
        usage: { inputTokens: 42, outputTokens: 7, model: NEWEST_CLAUDE },
      });
      const [sent] = server.requests;
      expect(sent?.body.system).toEqual([
        { text: "You are a calculator." },
        { text: ONE_CALL_INSTRUCTION },
        cachePoint,
      ]);
      expect(sent?.body.toolConfig).toMatchObject({ toolChoice: { auto: {} } });
    });

    it("falls back to auto once when the model answers 400 to the forced choice, and remembers it", async () => {
      // Prepare
      const refusing = "us.anthropic.claude-haiku-4-5-refuses-v1:0";
      server.enqueue(
        toolUseAnswer([["multiply", { a: 2, b: 3 }]]),
        toolUseAnswer([["done_for_now", { message: "6" }]]),
        toolUseAnswer([["done_for_now", { message: "6" }]]),
      );
      const model = modelFor(refusing);

      // Act
      const first = await model.next(request);
      const second = await model.next(request);
      // The memory is the instance's: another instance over the same model learns on its own.
      const another = await modelFor(refusing).next(request);

      // Assess
      expect(first).toMatchObject({ type: "tool_call", tool: "multiply", args: { a: 2, b: 3 } });
      expect(second).toMatchObject({ type: "tool_call", tool: "done_for_now" });
      expect(another).toMatchObject({ type: "tool_call", tool: "done_for_now" });
      const choices = server.requests.map(
        (sent) => (sent.body.toolConfig as { toolChoice: unknown }).toolChoice,
      );
      expect(choices).toEqual([{ any: {} }, { auto: {} }, { auto: {} }, { any: {} }, { auto: {} }]);
      expect(server.requests[1]?.body.system).toContainEqual({ text: ONE_CALL_INSTRUCTION });
      // The retry is the same request but for the choice and the instruction.
      expect(server.requests[1]?.body.messages).toEqual(server.requests[0]?.body.messages);
    });

    it("reads two tool calls as one invalid reply naming both", async () => {
      // Prepare
      server.enqueue(
        toolUseAnswer([
          ["add", { a: 1, b: 2 }],
          ["multiply", { a: 3, b: 4 }],
        ]),
      );

      // Act
      const reply = await modelFor(NOVA).next(request);

      // Assess
      expect(reply).toMatchObject({
        type: "invalid",
        reason: "the model made 2 tool calls (add, multiply); reply with exactly one tool call",
      });
    });

    it("reads a malformed_tool_use stop as invalid", async () => {
      // Prepare
      server.enqueue(converseAnswer([{ text: "" }], "malformed_tool_use"));

      // Act
      const reply = await modelFor(LLAMA).next(request);

      // Assess
      expect(reply.type).toBe("invalid");
      expect(reply.type === "invalid" && reply.reason).toMatch(
        /^the model's tool call was malformed \(stop reason malformed_tool_use\)/,
      );
    });

    it("reads a filtered answer as a refusal", async () => {
      // Prepare
      server.enqueue(converseAnswer([], "content_filtered"));

      // Act
      const reply = await modelFor(LLAMA).next(request);

      // Assess
      expect(reply).toMatchObject({
        type: "invalid",
        reason: 'the model refused: "its answer was withheld (content_filtered)"',
      });
    });

    it("counts cached tokens in the input and says which were read and written", async () => {
      // Prepare
      server.enqueue(
        toolUseAnswer([["add", { a: 1, b: 1 }]], {
          inputTokens: 30,
          outputTokens: 9,
          cacheReadInputTokens: 1_500,
          cacheWriteInputTokens: 200,
        }),
      );

      // Act
      const reply = await modelFor(CLAUDE).next(request);

      // Assess
      expect(reply.usage).toEqual({
        inputTokens: 1_730,
        outputTokens: 9,
        cacheReadTokens: 1_500,
        cacheWriteTokens: 200,
        model: CLAUDE,
      });
    });

    it("puts cache points where the model takes them, and none when caching is off", async () => {
      // Prepare
      server.enqueue(...Array.from({ length: 3 }, () => toolUseAnswer([["add", { a: 1, b: 1 }]])));

      // Act
      await modelFor(NOVA).next(request);
      await modelFor(LLAMA).next(request);
      await modelFor(CLAUDE, { promptCaching: false }).next(request);

      // Assess
      const [nova, llama, uncached] = server.requests.map((sent) => sent.body) as {
        system: unknown[];
        toolConfig: { tools: unknown[] };
      }[];
      expect(nova?.system.at(-1)).toEqual(cachePoint);
      expect(nova?.toolConfig.tools).not.toContainEqual(cachePoint);
      for (const body of [llama, uncached]) {
        expect(body?.system).not.toContainEqual(cachePoint);
        expect(body?.toolConfig.tools).not.toContainEqual(cachePoint);
      }
    });

    it("lets forceToolChoice override the table either way", async () => {
      // Prepare
      server.enqueue(...Array.from({ length: 2 }, () => toolUseAnswer([["add", { a: 1, b: 1 }]])));

      // Act
      await modelFor(LLAMA, { forceToolChoice: true }).next(request);
      await modelFor(CLAUDE, { forceToolChoice: false }).next(request);

      // Assess
      const choices = server.requests.map(
        (sent) => (sent.body.toolConfig as { toolChoice: unknown }).toolChoice,
      );
      expect(choices).toEqual([{ any: {} }, { auto: {} }]);
    });

    it("sends the inference settings as given", async () => {
      // Prepare
      server.enqueue(toolUseAnswer([["add", { a: 1, b: 1 }]]));

      // Act
      await modelFor(CLAUDE, { inferenceConfig: { maxTokens: 512, temperature: 0 } }).next(request);

      // Assess
      expect(server.requests[0]?.body.inferenceConfig).toEqual({ maxTokens: 512, temperature: 0 });
    });

    it.each([
      ["ThrottlingException", 429, /^Bedrock throttled model \S+ in us-east-1$/],
      ["ServiceUnavailableException", 503, /^Bedrock is unavailable for model /],
      ["ModelNotReadyException", 429, /^Model \S+ in us-east-1 is not ready yet$/],
      ["ModelTimeoutException", 408, /^Model \S+ in us-east-1 timed out$/],
      ["InternalServerException", 500, /^Bedrock had an internal error calling model /],
    ])("makes %s a retryable ModelError naming the model", async (type, status, message) => {
      // Prepare
      server.enqueue(errorAnswer(type, status, "try later"));

      // Act
      const error = await modelError(modelFor(LLAMA).next(request));

      // Assess
      expect(error.retryable).toBe(true);
      expect(error.message).toMatch(message);
      expect(error.message).toContain(LLAMA);
      expect((error.cause as Error).name).toBe(type);
    });

    it("makes access denied a terminal ModelError saying which permission to grant", async () => {
      // Prepare
      server.enqueue(
        errorAnswer("AccessDeniedException", 403, "You don't have access to the model."),
      );

      // Act
      const error = await modelError(modelFor(CLAUDE).next(request));

      // Assess
      expect(error.retryable).toBe(false);
      expect(error.message).toBe(
        `Bedrock denied access to model ${CLAUDE} in us-east-1: allow bedrock:InvokeModel on it (and on the foundation models an inference profile routes to) for the caller's role, and check the model's access in the Bedrock console`,
      );
      expect(server.requests).toHaveLength(1);
    });

    it("makes a validation error terminal, keeps the service's reason, and does not fall back", async () => {
      // Prepare
      server.enqueue(errorAnswer("ValidationException", 400, "Malformed input request: bad."));

      // Act
      const error = await modelError(modelFor(CLAUDE).next(request));

      // Assess
      expect(error.retryable).toBe(false);
      expect(error.message).toContain("Malformed input request: bad.");
      expect(server.requests).toHaveLength(1);
    });

    it("makes an unknown model terminal, pointing at the id and the region", async () => {
      // Prepare
      server.enqueue(errorAnswer("ResourceNotFoundException", 404, "Model not found."));

      // Act
      const error = await modelError(modelFor("anthropic.claude-nope-v1:0").next(request));

      // Assess
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(
        /^Bedrock found no model anthropic\.claude-nope-v1:0 in us-east-1: check the id/,
      );
    });

    it("makes an unreachable endpoint a retryable ModelError", async () => {
      // Prepare
      const model = modelFor(CLAUDE);
      await server.close();

      // Act
      const error = await modelError(model.next(request));

      // Assess
      expect(error.retryable).toBe(true);
      expect(error.message).toMatch(/^Bedrock call to model \S+ in us-east-1 failed/);
      server = await startConverseServer();
    });

    it("calls an inference profile ARN by its ARN and knows its region", async () => {
      // Prepare
      const arn =
        "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0";
      server.enqueue(toolUseAnswer([["add", { a: 1, b: 1 }]]));
      const model = modelFor(arn);

      // Act
      await model.next(request);

      // Assess
      expect(server.requests[0]?.modelId).toBe(arn);
      expect(server.requests[0]?.body.toolConfig).toMatchObject({ toolChoice: { any: {} } });
      expect(model.identity).toEqual({ provider: "bedrock", model: arn });
      expect(model.region).toBe("eu-west-1");
    });
  });

  it("runs the calculator to done in createRunner, through an approval", async () => {
    // Prepare
    server.enqueue(
      toolUseAnswer([["divide", { a: 10, b: 4 }]]),
      toolUseAnswer([["done_for_now", { message: "10 / 4 = 2.5" }]]),
    );
    const runner = createRunner({ agents: [calculator], model: modelFor(CLAUDE) });

    // Act
    const waiting = await runner.launch("calculator", "what is 10 / 4?");
    const pending = waiting.pending;
    const done = pending
      ? await runner.respond(waiting.threadId, { callId: pending.callId, approved: true })
      : waiting;

    // Assess
    expect(waiting.status).toBe("waiting_for_approval");
    expect(done.status).toBe("done");
    expect(done.output).toBe("10 / 4 = 2.5");
  });
});

describe("Function: bedrock", () => {
  it("names its provider and model, and its region when the config gives one", () => {
    const model = bedrock(NOVA, { clientConfig: { region: "eu-central-1" } });
    expect(model.identity).toEqual({ provider: "bedrock", model: NOVA });
    expect(model.region).toBe("eu-central-1");
    expect(model.model).toBe(NOVA);
  });

  it("refuses a blank model id", () => {
    expect(() => bedrock(" ")).toThrow(/bedrock\(\) needs a model id/);
  });
});
