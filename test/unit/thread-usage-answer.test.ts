import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { createHttpApi } from "../../functions/http/index.ts";
import type { Model } from "../../shared/core/ports.ts";
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
