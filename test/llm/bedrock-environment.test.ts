import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { environmentModel } from "../../functions/compose/environment-model.ts";
import { readModelSettings } from "../../functions/compose/settings/model.ts";
import { ConfigError, ModelError } from "../../shared/core/errors.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { parseAgentModel } from "../../shared/llm/agent-model.ts";
import { openAIModelFromEnv } from "../../shared/llm/config.ts";
import { NO_MODEL_HINT } from "../../shared/runtime/model-rule.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import { importEntry } from "../../shared/runtime/runner-environment.ts";
import { ScriptedModel } from "../../shared/testing/index.ts";
import { type ConverseServer, startConverseServer, toolUseAnswer } from "./converse-server.ts";

const HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0";

describe("Function: parseAgentModel", () => {
  it.each([
    [`bedrock:${HAIKU}`, "bedrock", HAIKU],
    [
      "bedrock:arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0",
      "bedrock",
      "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0",
    ],
    ["openai:gpt-4o", "openai", "gpt-4o"],
    ["gpt-4o-mini", "openai", "gpt-4o-mini"],
    // A bare id may hold colons of its own (Ollama's tags).
    ["llama3:8b", "openai", "llama3:8b"],
  ])("reads %s as %s %s", (value, provider, model) => {
    expect(parseAgentModel(value)).toEqual({ provider, model });
  });
});

describe("Function: readModelSettings (AGENT_MODEL)", () => {
  it("names Bedrock for bedrock:<id>, with no key, and no OpenAI even with one", () => {
    const settings = readModelSettings({
      AGENT_MODEL: `bedrock:${HAIKU}`,
      OPENAI_API_KEY: "sk-test",
      MODEL_MAX_RETRIES: "1",
    });
    expect(settings.bedrock).toEqual({ modelId: HAIKU, timeoutMs: 60_000, maxRetries: 1 });
    expect(settings.openai).toBeUndefined();
  });

  it("keeps OpenAI for openai:<id> and a bare id", () => {
    expect(
      readModelSettings({ AGENT_MODEL: "openai:gpt-4o", OPENAI_API_KEY: "sk-test" }).openai?.model,
    ).toBe("gpt-4o");
    expect(
      readModelSettings({ AGENT_MODEL: "llama3:8b", OPENAI_API_KEY: "sk-test" }).openai?.model,
    ).toBe("llama3:8b");
    expect(readModelSettings({ AGENT_MODEL: "openai:gpt-4o" }).openai).toBeUndefined();
    expect(readModelSettings({ AGENT_MODEL: "openai:gpt-4o" }).bedrock).toBeUndefined();
  });

  it("refuses a provider without a model", () => {
    expect(() => readModelSettings({ AGENT_MODEL: "bedrock:" })).toThrow(
      /AGENT_MODEL: must name a model after its provider/,
    );
  });

  it("strips openai: for openAIModelFromEnv, and refuses a Bedrock model there", () => {
    expect(openAIModelFromEnv({ OPENAI_API_KEY: "sk", AGENT_MODEL: "openai:gpt-4o" }).model).toBe(
      "gpt-4o",
    );
    expect(() =>
      openAIModelFromEnv({ OPENAI_API_KEY: "sk", AGENT_MODEL: `bedrock:${HAIKU}` }),
    ).toThrow(/names no OpenAI model: for Bedrock use bedrock\(\) from twelve-agents\/bedrock/);
  });

  it("tells a host without a model that AGENT_MODEL can name Bedrock", () => {
    expect(NO_MODEL_HINT).toContain("AGENT_MODEL=bedrock:<model id>");
  });
});

describe("Function: environmentModel (Bedrock)", () => {
  let server: ConverseServer;

  beforeEach(async () => {
    server = await startConverseServer();
    // What a host has: the SDK's default chain reads these (the endpoint as AWS documents it).
    vi.stubEnv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.endpoint);
    vi.stubEnv("AWS_REGION", "us-west-2");
    vi.stubEnv("AWS_ACCESS_KEY_ID", "local");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "local");
  });

  afterEach(async () => {
    vi.unstubAllEnvs();
    await server.close();
  });

  it("names itself before loading, then calls Converse with the SDK's default chain", async () => {
    // Prepare
    server.enqueue(toolUseAnswer([["add", { a: 1, b: 2 }]]));
    const model = environmentModel(
      readModelSettings({ AGENT_MODEL: `bedrock:${HAIKU}`, MODEL_MAX_RETRIES: "0" }),
    );

    // Act
    const reply = await model?.next({
      messages: [
        { role: "system", content: "Add." },
        { role: "user", content: "1 + 2" },
      ],
      tools: calculator.tools.map((tool) => tool.spec),
    });

    // Assess
    expect(model?.identity).toEqual({ provider: "bedrock", model: HAIKU });
    expect(reply).toMatchObject({ type: "tool_call", tool: "add", args: { a: 1, b: 2 } });
    expect(server.requests[0]?.modelId).toBe(HAIKU);
    expect(server.requests[0]?.headers.authorization).toContain("/us-west-2/bedrock/aws4_request");
  });

  it("takes MODEL_MAX_RETRIES as the SDK's retries of a throttled call", async () => {
    // Prepare
    server.enqueue(
      {
        status: 429,
        body: { message: "slow down" },
        headers: { "x-amzn-errortype": "ThrottlingException" },
      },
      {
        status: 429,
        body: { message: "slow down" },
        headers: { "x-amzn-errortype": "ThrottlingException" },
      },
    );
    const model = environmentModel(
      readModelSettings({ AGENT_MODEL: `bedrock:${HAIKU}`, MODEL_MAX_RETRIES: "1" }),
    );

    // Act
    const error = await model?.next({ messages: [], tools: [] }).catch((cause: unknown) => cause);

    // Assess
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).retryable).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it("is createRunner's model for the agents that name none, read from AGENT_MODEL as twelve dev reads it", async () => {
    // Prepare: the calculator names no model; AGENT_MODEL names Bedrock
    vi.stubEnv("AGENT_MODEL", `bedrock:${HAIKU}`);
    vi.stubEnv("MODEL_MAX_RETRIES", "0");
    server.enqueue(
      toolUseAnswer([["add", { a: 2, b: 3 }]]),
      toolUseAnswer([["done_for_now", { message: "5" }]]),
    );
    const runner = createRunner({ agents: [calculator] });

    // Act
    const run = await runner.launch("calculator", "2 + 3");

    // Assess
    expect(run.status).toBe("done");
    expect(run.output).toBe("5");
    expect(server.requests.map((request) => request.modelId)).toEqual([HAIKU, HAIKU]);
  });

  it("leaves the environment out for createRunner with environment: false, or a model of its own", () => {
    vi.stubEnv("AGENT_MODEL", `bedrock:${HAIKU}`);
    expect(() => createRunner({ agents: [calculator], environment: false })).toThrow(
      /^no model for agent "calculator"/,
    );
    const own = new ScriptedModel([]);
    expect(() => createRunner({ agents: [calculator], model: own })).not.toThrow();
    // A bad AGENT_MODEL is a ConfigError at createRunner, naming the variable.
    vi.stubEnv("AGENT_MODEL", "bedrock:");
    expect(() => createRunner({ agents: [calculator] })).toThrow(/AGENT_MODEL: must name a model/);
  });
});

describe("Function: importEntry", () => {
  it("names the setting and the way out in one line when the entry cannot be found", async () => {
    await expect(
      importEntry("twelve-agents-entry-not-installed", "AGENT_MODEL=bedrock:<id>"),
    ).rejects.toThrow(
      /^AGENT_MODEL=bedrock:<id> loads twelve-agents-entry-not-installed when the first step runs, and it cannot be found [^\n]*createRunner\(\{ model \}\) instead$/,
    );
    await expect(importEntry("twelve-agents-entry-not-installed", "x")).rejects.toThrow(
      ConfigError,
    );
  });
});
