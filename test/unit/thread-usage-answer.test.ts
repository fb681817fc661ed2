import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { createHttpApi } from "../../functions/http/index.ts";
import { agentTool, defineAgent, doneForNow } from "../../shared/core/index.ts";
import type { Model, ModelRequest } from "../../shared/core/ports.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { call } from "../../shared/testing/index.ts";

/** Of the OpenAPI document, the path to an answer's schema. */
type OpenApi = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content: Record<string, { schema: object }> }> }>
  >;
};

/** A model as the Bedrock adapter makes it: an identity, and usage with the prompt cache's tokens. */
const cachedBedrock: Model = {
  identity: { provider: "bedrock", model: "eu.amazon.nova-pro-v1:0" },
  next: async () => ({
    ...call("done_for_now", { message: "4" }),
    usage: { inputTokens: 1_000, outputTokens: 10, cacheReadTokens: 600, cacheWriteTokens: 300 },
  }),
};

describe("GET /threads/{id}: usage by model", () => {
  it("answers the prompt cache's tokens and the provider by model, as the OpenAPI document says", async () => {
    // Prepare: a thread run to done on a model that reports cached tokens
    const api = createHttpApi({ agents: [calculator], model: cachedBedrock });
    const launched = await api.fetch(
      new Request("http://localhost/threads", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ agent: "calculator", message: "2 + 2" }),
      }),
    );
    const { threadId } = (await launched.json()) as { threadId: string };
    await api.idle();

    // Act
    const answer = (await (
      await api.fetch(new Request(`http://localhost/threads/${threadId}`))
    ).json()) as { usage: { byModel: unknown } };
    const document = (await (
      await api.fetch(new Request("http://localhost/openapi.json"))
    ).json()) as OpenApi;

    // Assess: the tokens and provider are answered, and the document's schema takes the answer
    expect(answer.usage.byModel).toEqual({
      "eu.amazon.nova-pro-v1:0": {
        inputTokens: 1_000,
        outputTokens: 10,
        cacheReadTokens: 600,
        cacheWriteTokens: 300,
        provider: "bedrock",
      },
    });
    const schema =
      document.paths["/threads/{id}"]?.get?.responses["200"]?.content["application/json"]?.schema;
    expect(schema).toBeDefined();
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema as object);
    expect(validate(answer), JSON.stringify(validate.errors)).toBe(true);
  });
});

/** A model on gpt-4o-mini that reports `tokens` per call and answers by what the context shows. */
const metered = (
  tokens: { inputTokens: number; outputTokens: number },
  rule: (context: string) => ReturnType<typeof call>,
): Model => ({
  identity: { provider: "openai", model: "gpt-4o-mini" },
  next: async (request: ModelRequest) => ({
    ...rule(request.messages.map((m) => m.content).join("\n")),
    usage: tokens,
  }),
});

describe("GET /threads/{id}: the tree's usage", () => {
  it("rolls the child's tokens and cost into the root's treeUsage, beside the root's own usage", async () => {
    // Prepare: a lead (two calls of 1,000 in / 10 out) whose child makes one call (200 in / 5 out)
    const kid = defineAgent({
      name: "kid",
      prompt: "Help.",
      tools: [doneForNow],
      model: metered({ inputTokens: 200, outputTokens: 5 }, () =>
        call("done_for_now", { message: "helped" }),
      ),
    });
    const lead = defineAgent({
      name: "lead",
      prompt: "Delegate.",
      tools: [agentTool(kid), doneForNow],
      model: metered({ inputTokens: 1_000, outputTokens: 10 }, (context) =>
        context.includes("<kid_result>")
          ? call("done_for_now", { message: "done" })
          : call("kid", { message: "help" }),
      ),
    });
    const api = createHttpApi({ agents: [lead] });
    const launched = await api.fetch(
      new Request("http://localhost/threads", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ agent: "lead", message: "go" }),
      }),
    );
    const { threadId } = (await launched.json()) as { threadId: string };
    await api.idle();

    // Act
    const answer = (await (
      await api.fetch(new Request(`http://localhost/threads/${threadId}`))
    ).json()) as Record<string, unknown>;

    // Assess: the root's own usage is its two calls; the tree's adds the child's call and cost
    expect(answer).toMatchObject({
      status: "done",
      usage: { inputTokens: 2_000, outputTokens: 20, modelCalls: 2 },
      treeUsage: { inputTokens: 2_200, outputTokens: 25, modelCalls: 3, unpriced: [] },
      children: [{ threadId: `${threadId}-call_1`, agent: "kid", status: "done", depth: 1 }],
    });
    const tree = answer.treeUsage as { estimatedCostUsd: number };
    // gpt-4o-mini: $0.15 per million input tokens, $0.60 per million output tokens
    expect(tree.estimatedCostUsd).toBeCloseTo((2_200 * 0.15 + 25 * 0.6) / 1e6, 12);
    expect((answer.usage as { estimatedCostUsd: number }).estimatedCostUsd).toBeCloseTo(
      (2_000 * 0.15 + 20 * 0.6) / 1e6,
      12,
    );
  });
});
