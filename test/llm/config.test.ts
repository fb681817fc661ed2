import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, ModelError } from "../../shared/core/errors.ts";
import type { ModelRequest } from "../../shared/core/ports.ts";
import { openAIModelFromEnv, readOpenAIConfig } from "../../shared/llm/config.ts";
import { type ChatServer, startChatServer } from "./chat-server.ts";
import { apiError, toolCallCompletion } from "./completions.ts";

const request: ModelRequest = {
  messages: [{ role: "user", content: "hi" }],
  tools: [],
};

describe("Function: readOpenAIConfig", () => {
  it("applies the defaults", () => {
    // Act
    const config = readOpenAIConfig({ OPENAI_API_KEY: "sk-test", MODEL_TIMEOUT_MS: "" });

    // Assess
    expect(config).toEqual({
      OPENAI_API_KEY: "sk-test",
      AGENT_MODEL: "gpt-4o-mini",
      MODEL_TIMEOUT_MS: 60_000,
      MODEL_MAX_RETRIES: 3,
    });
  });

  it("throws a ConfigError naming a missing OPENAI_API_KEY", () => {
    // Act
    const act = () => readOpenAIConfig({ AGENT_MODEL: "gpt-4o" });

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow("invalid configuration: OPENAI_API_KEY: is required");
  });

  it("throws a ConfigError naming every invalid variable", () => {
    // Act
    const act = () =>
      readOpenAIConfig({
        OPENAI_API_KEY: "sk-test",
        OPENAI_BASE_URL: "not a url",
        MODEL_TIMEOUT_MS: "soon",
        MODEL_MAX_RETRIES: "-1",
      });

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(/OPENAI_BASE_URL: must be an http\(s\) URL/);
    expect(act).toThrow(/MODEL_TIMEOUT_MS: must be a positive integer/);
    expect(act).toThrow(/MODEL_MAX_RETRIES: must be a non-negative integer/);
  });

  it.each(["localhost:4499", "localhost:4499/v1", "ftp://localhost:4499/v1"])(
    "refuses OPENAI_BASE_URL=%s: it must be an http(s) URL",
    (baseURL) => {
      // Act
      const act = () => readOpenAIConfig({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: baseURL });

      // Assess
      expect(act).toThrow(ConfigError);
      expect(act).toThrow(
        "OPENAI_BASE_URL: must be an http(s) URL, such as http://localhost:11434/v1",
      );
    },
  );

  it.each(["http://localhost:4499/v1", "https://api.example.com/v1"])(
    "accepts OPENAI_BASE_URL=%s",
    (baseURL) => {
      // Act
      const config = readOpenAIConfig({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: baseURL });

      // Assess
      expect(config.OPENAI_BASE_URL).toBe(baseURL);
    },
  );
});

describe("Function: openAIModelFromEnv", () => {
  let server: ChatServer;

  beforeEach(async () => {
    server = await startChatServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it("builds a model on the configured base URL, key and model", async () => {
    // Prepare
    server.enqueue({ status: 200, body: toolCallCompletion([["add", '{"a":1,"b":2}']]) });
    const model = openAIModelFromEnv({
      OPENAI_API_KEY: "sk-env",
      OPENAI_BASE_URL: server.baseURL,
      AGENT_MODEL: "gpt-4.1-nano",
    });

    // Act
    const reply = await model.next(request);

    // Assess
    expect(reply).toMatchObject({ type: "tool_call", tool: "add" });
    expect(server.requests[0]?.headers.authorization).toBe("Bearer sk-env");
    expect(server.requests[0]?.body.model).toBe("gpt-4.1-nano");
  });

  it("hands MODEL_MAX_RETRIES to the SDK", async () => {
    // Prepare
    const failure = { status: 500, body: apiError("boom", "server_error") };
    server.enqueue(failure, failure);
    const model = openAIModelFromEnv({
      OPENAI_API_KEY: "sk-env",
      OPENAI_BASE_URL: server.baseURL,
      MODEL_MAX_RETRIES: "0",
    });

    // Act
    const error = await model.next(request).catch((cause: unknown) => cause);

    // Assess
    expect(error).toBeInstanceOf(ModelError);
    expect(server.requests).toHaveLength(1);
  });

  it("hands MODEL_TIMEOUT_MS to the SDK", async () => {
    // Prepare
    server.enqueue("hang");
    const model = openAIModelFromEnv({
      OPENAI_API_KEY: "sk-env",
      OPENAI_BASE_URL: server.baseURL,
      MODEL_TIMEOUT_MS: "200",
      MODEL_MAX_RETRIES: "0",
    });

    // Act
    const error = await model.next(request).catch((cause: unknown) => cause);

    // Assess
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).message).toBe(
      `OpenAI request to ${new URL(server.baseURL).host} timed out`,
    );
  });

  it("throws a ConfigError without OPENAI_API_KEY", () => {
    // Act
    const act = () => openAIModelFromEnv({ OPENAI_BASE_URL: server.baseURL });

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(/OPENAI_API_KEY/);
  });
});
