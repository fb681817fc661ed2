import { describe, expect, it } from "vitest";
import { launch, type Model, type ModelReply, step } from "../../shared/core/index.ts";
import { attributeUsage } from "../../shared/core/usage.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { call, steppingClock } from "../../shared/testing/index.ts";

const clock = steppingClock();
const usage = { inputTokens: 321, outputTokens: 12, cacheReadTokens: 300 };

/** A model as an adapter makes it: an identity, and replies with usage. */
const answering = (reply: ModelReply, identity?: Model["identity"]): Model => ({
  ...(identity ? { identity } : {}),
  next: async () => reply,
});

describe("Function: attributeUsage", () => {
  it("names the provider, and the model where the adapter reported none", () => {
    const reply: ModelReply = { type: "invalid", reason: "text", usage };
    expect(
      attributeUsage(reply, { provider: "bedrock", model: "us.amazon.nova-pro-v1:0" }),
    ).toEqual({
      ...reply,
      usage: { ...usage, provider: "bedrock", model: "us.amazon.nova-pro-v1:0" },
    });
    const reported = { ...reply, usage: { ...usage, model: "amazon.nova-pro-v1:0" } };
    expect(
      attributeUsage(reported, { provider: "bedrock", model: "us.amazon.nova-pro-v1:0" }).usage,
    ).toEqual({ ...usage, model: "amazon.nova-pro-v1:0", provider: "bedrock" });
  });

  it("leaves a reply without usage, or from a model without identity, as it is", () => {
    const bare: ModelReply = { type: "invalid", reason: "text" };
    expect(attributeUsage(bare, { provider: "openai", model: "gpt-4.1" })).toBe(bare);
    const reply: ModelReply = { type: "invalid", reason: "text", usage };
    expect(attributeUsage(reply, undefined)).toBe(reply);
  });
});

describe("Function: step, who answered", () => {
  it("records the provider and model of the model that made the call on its tool_call", async () => {
    // Prepare
    const thread = launch({ agent: calculator, threadId: "thr_usage", message: "2 + 3?", clock });
    const model = answering(
      { ...call("add", { a: 2, b: 3 }), usage },
      { provider: "ai-sdk:anthropic", model: "claude-sonnet-4-5" },
    );

    // Act
    const { events } = await step(thread, { agent: calculator, model, clock });

    // Assess
    const made = events.find((event) => event.type === "tool_call");
    expect(made?.type === "tool_call" && made.data.usage).toEqual({
      ...usage,
      provider: "ai-sdk:anthropic",
      model: "claude-sonnet-4-5",
    });
  });
});
