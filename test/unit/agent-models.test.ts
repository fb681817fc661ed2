import { describe, expect, it } from "vitest";
import { defineAgent, doneForNow, type Model } from "../../shared/index.ts";
import { agentModels, formatAgentModels } from "../../shared/runtime/agent-models.ts";
import { ScriptedModel } from "../../shared/testing/index.ts";

const named = (provider: string, model: string): Model => ({
  identity: { provider, model },
  next: () => Promise.reject(new Error("not called")),
});
const agent = (name: string, model?: Model) =>
  defineAgent({ name, prompt: "Help.", tools: [doneForNow], ...(model ? { model } : {}) });

describe("Function: agentModels", () => {
  it("names each agent's provider and model, and the step of the model rule that chose it", () => {
    // Prepare
    const agents = [
      agent("triage", named("bedrock", "eu.amazon.nova-lite-v1:0")),
      agent("planner"),
    ];

    // Act
    const withModule = agentModels(agents, {
      module: named("ai-sdk:anthropic", "claude-sonnet-4-5"),
    });
    const withEnvironment = agentModels(agents, { environment: named("openai", "gpt-4.1") });

    // Assess
    expect(withModule).toEqual([
      { agent: "triage", provider: "bedrock", model: "eu.amazon.nova-lite-v1:0", source: "agent" },
      {
        agent: "planner",
        provider: "ai-sdk:anthropic",
        model: "claude-sonnet-4-5",
        source: "module",
      },
    ]);
    expect(withEnvironment[1]).toEqual({
      agent: "planner",
      provider: "openai",
      model: "gpt-4.1",
      source: "environment",
    });
  });

  it("names a model without identity by its class, and refuses an agent without a model", () => {
    expect(agentModels([agent("a")], { module: new ScriptedModel([]) })).toEqual([
      { agent: "a", provider: "ScriptedModel", model: undefined, source: "module" },
    ]);
    const literal = { next: () => Promise.reject(new Error("not called")) };
    expect(agentModels([agent("b")], { module: literal })[0]?.provider).toBe("(no identity)");
    expect(() => agentModels([agent("lonely")], {})).toThrow(/no model for agent "lonely"/);
  });
});

describe("Function: formatAgentModels", () => {
  it("aligns the agents and says where each model came from, with a host's note", () => {
    const lines = formatAgentModels(
      [
        {
          agent: "calculator",
          provider: "bedrock",
          model: "us.amazon.nova-pro-v1:0",
          source: "environment",
        },
        { agent: "bot", provider: "openai", model: "gpt-4.1", source: "agent" },
      ],
      (model) => (model.provider === "openai" ? "at api.openai.com" : ""),
    );
    expect(lines).toEqual([
      "calculator  bedrock us.amazon.nova-pro-v1:0  (AGENT_MODEL from the environment)",
      "bot         openai gpt-4.1 at api.openai.com  (its own model)",
    ]);
  });
});
