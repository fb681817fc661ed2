import { describe, expect, it } from "vitest";
import { environmentModel } from "../../functions/compose/environment-model.ts";
import { readSettings } from "../../functions/compose/read-settings.ts";
import { assemble } from "../../functions/compose/root.ts";
import { readModelSettings } from "../../functions/compose/settings/model.ts";
import { defineAgent } from "../../shared/core/agent.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { doneForNow } from "../../shared/core/human-tools.ts";
import type { Model } from "../../shared/core/ports.ts";
import { type ModelSource, pickModel } from "../../shared/runtime/model-rule.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import { call, ScriptedModel } from "../../shared/testing/index.ts";

const own = new ScriptedModel([]);
const fromModule = new ScriptedModel([]);
const fromEnvironment = new ScriptedModel([]);
const agentWith = (model?: Model) =>
  defineAgent({
    name: "triage",
    prompt: "Triage.",
    tools: [doneForNow],
    ...(model ? { model } : {}),
  });

const SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:openai-AbCdEf";
const deployed = {
  TABLE_NAME: "twelve-threads",
  STEP_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/steps.fifo",
  EVENT_BUS_NAME: "twelve-agents",
};

describe("Function: pickModel (the model rule, the same in every host)", () => {
  it.each<[string, Model | undefined, Model | undefined, Model | undefined, Model, ModelSource]>([
    ["all three", own, fromModule, fromEnvironment, own, "agent"],
    ["the agent's and the module's", own, fromModule, undefined, own, "agent"],
    ["the agent's and the environment's", own, undefined, fromEnvironment, own, "agent"],
    [
      "the module's and the environment's",
      undefined,
      fromModule,
      fromEnvironment,
      fromModule,
      "module",
    ],
    ["the module's only", undefined, fromModule, undefined, fromModule, "module"],
    [
      "the environment's only",
      undefined,
      undefined,
      fromEnvironment,
      fromEnvironment,
      "environment",
    ],
  ])(
    "with %s, picks the first of agent, module, environment",
    (_, agentModel, module, environment, model, source) => {
      expect(pickModel(agentWith(agentModel), { module, environment })).toEqual({ model, source });
    },
  );

  it("without any, is a one-line ConfigError naming the agent and what to set", () => {
    const act = () => pickModel(agentWith(), {});
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(
      /^no model for agent "triage": give it defineAgent\(\{ model \}\), export `model` from the agents module .*set OPENAI_API_KEY[^\n]*$/,
    );
  });
});

describe("Function: defineAgent (model)", () => {
  it("keeps the agent's own model, and refuses one without next()", () => {
    expect(agentWith(own).model).toBe(own);
    expect(agentWith().model).toBeUndefined();
    expect(() => agentWith({} as Model)).toThrow(
      /agent "triage": model must have a next\(request\) method/,
    );
  });
});

describe("Function: createRunner (model rule)", () => {
  it("runs each agent on its own model, the others on the runner's", async () => {
    // Prepare: a small model for triage, the runner's for the planner
    const small = new ScriptedModel([call("done_for_now", { message: "triaged" })]);
    const large = new ScriptedModel([call("done_for_now", { message: "planned" })]);
    const triage = agentWith(small);
    const planner = defineAgent({ name: "planner", prompt: "Plan.", tools: [doneForNow] });
    const runner = createRunner({ agents: [triage, planner], model: large });

    // Act
    const triaged = await runner.launch("triage", "ticket 1");
    const planned = await runner.launch("planner", "ticket 1");

    // Assess
    expect([triaged.output, planned.output]).toEqual(["triaged", "planned"]);
    expect(small.calls).toHaveLength(1);
    expect(large.calls).toHaveLength(1);
  });

  it("needs no model of its own when every agent brings one, and names the agent that lacks one", () => {
    expect(() => createRunner({ agents: [agentWith(own)] })).not.toThrow();
    const planner = defineAgent({ name: "planner", prompt: "Plan.", tools: [doneForNow] });
    expect(() => createRunner({ agents: [agentWith(own), planner] })).toThrow(
      /^no model for agent "planner"/,
    );
  });
});

describe("Function: environmentModel (the rule's last choice)", () => {
  it("is none without OpenAI settings, and OpenAI (named, loaded on first call) with a key or a secret", () => {
    expect(environmentModel(readModelSettings({}))).toBeUndefined();
    const keyed = environmentModel(
      readModelSettings({ OPENAI_API_KEY: "sk-test", AGENT_MODEL: "gpt-x" }),
    );
    expect((keyed as Model & { model?: string }).model).toBe("gpt-x");
    expect(
      environmentModel(readModelSettings({ OPENAI_API_KEY_SECRET_ARN: SECRET_ARN })),
    ).toBeDefined();
  });

  it("reads the key from the secret when both are set, and refuses a secret that is no Secrets Manager ARN", () => {
    expect(
      readModelSettings({ OPENAI_API_KEY: "sk-test", OPENAI_API_KEY_SECRET_ARN: SECRET_ARN }).openai
        ?.key,
    ).toEqual({ secretArn: SECRET_ARN });
    expect(() => readModelSettings({ OPENAI_API_KEY_SECRET_ARN: "openai-key" })).toThrow(
      /OPENAI_API_KEY_SECRET_ARN: must be a Secrets Manager secret ARN/,
    );
  });
});

describe("Function: assemble (models)", () => {
  const calculator = defineAgent({ name: "calculator", prompt: "Add.", tools: [doneForNow] });

  it("offers the module's model before the environment's, each agent's own first", () => {
    const root = assemble(readSettings({ ...deployed, OPENAI_API_KEY_SECRET_ARN: SECRET_ARN }), {
      agents: [calculator],
      model: fromModule,
    });
    expect(root.deps().model).toBe(fromModule);
    expect(root.deps().environmentModel).toBeDefined();
    expect(pickModel(calculator, root.models()).source).toBe("module");
  });

  it("starts the API without a model (it never calls one), but the worker's check names the agent", () => {
    const root = assemble(readSettings(deployed), { agents: [calculator] });
    expect(root.deps().environmentModel).toBeUndefined();
    expect(() => root.assertModels()).toThrow(/^no model for agent "calculator"/);
  });
});
