import { describe, expect, it } from "vitest";
import { readConfig } from "../../functions/config.ts";
import { createRuntime, LazyModel } from "../../functions/runtime.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { agents, DemoModel } from "../../shared/examples/agents.ts";
import { OpenAIModel } from "../../shared/llm/index.ts";

/** What every deployed function gets; the model settings are the worker's alone. */
const base = {
  TABLE_NAME: "twelve-threads",
  STEP_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/steps.fifo",
  EVENT_BUS_NAME: "twelve-agents",
};
const SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:openai-AbCdEf";

const modelOf = (env: Record<string, string>, model?: DemoModel) =>
  createRuntime(readConfig(env), { agents, ...(model ? { model } : {}) }, env).model;

describe("Function: createRuntime (model)", () => {
  it("uses OpenAI with the key in Secrets Manager when given the secret's ARN, loaded on first use", async () => {
    const model = modelOf({ ...base, OPENAI_API_KEY_SECRET_ARN: SECRET_ARN });
    expect(model).toBeInstanceOf(LazyModel);
    expect(await (model as LazyModel).resolve()).toBeInstanceOf(OpenAIModel);
  });

  it("uses OpenAI with OPENAI_API_KEY, and a bad model setting fails the first call naming it", async () => {
    const good = modelOf({ ...base, OPENAI_API_KEY: "sk-test" }) as LazyModel;
    expect(await good.resolve()).toBeInstanceOf(OpenAIModel);
    const bad = modelOf({ ...base, OPENAI_API_KEY: "sk-test", MODEL_MAX_RETRIES: "-1" });
    await expect(bad.next({ messages: [], tools: [] })).rejects.toThrow(/MODEL_MAX_RETRIES/);
  });

  it("uses the model it is handed (an agents module's own), whatever the environment says", () => {
    const model = new DemoModel();
    expect(modelOf({ ...base, OPENAI_API_KEY_SECRET_ARN: SECRET_ARN }, model)).toBe(model);
  });

  it("starts without model settings (the API never calls it), and a step then fails loudly", async () => {
    const model = modelOf(base);
    await expect(model.next({ messages: [], tools: [] })).rejects.toThrow(ConfigError);
  });

  it("refuses a secret ARN that is not a Secrets Manager ARN", () => {
    expect(() => readConfig({ ...base, OPENAI_API_KEY_SECRET_ARN: "openai-key" })).toThrow(
      /OPENAI_API_KEY_SECRET_ARN/,
    );
  });
});
