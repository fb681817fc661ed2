import { describe, expect, it } from "vitest";
import { readModelSettings } from "../../functions/compose/settings/model.ts";
import { BEDROCK_PRICES } from "../../shared/core/bedrock-prices.ts";
import { DEFAULT_PRICES, estimateCost, priceOf } from "../../shared/core/cost.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import type { Usage } from "../../shared/core/events.ts";
import { toolCall } from "../../shared/testing/index.ts";

const callWith = (usage: Usage) => toolCall("call_1", "add", {}, { usage });
const costOf = (usage: Usage, prices = DEFAULT_PRICES) =>
  estimateCost([callWith(usage)], prices).estimatedCostUsd;

describe("Function: estimateCost, cached tokens", () => {
  const prices = {
    m: {
      inputPerMillion: 3,
      outputPerMillion: 15,
      cacheReadPerMillion: 0.3,
      cacheWritePerMillion: 3.75,
    },
  };

  it("prices cache reads and writes at their own rates, the rest of the input at the input rate", () => {
    // Prepare: 1M input, of which 600k read from the cache and 300k written to it, 100k uncached
    const usage = {
      inputTokens: 1_000_000,
      outputTokens: 0,
      cacheReadTokens: 600_000,
      cacheWriteTokens: 300_000,
      model: "m",
    };

    // Act + Assess: 0.1 * 3 + 0.6 * 0.3 + 0.3 * 3.75
    expect(costOf(usage, prices)).toBe(0.3 + 0.18 + 1.125);
    expect(estimateCost([callWith(usage), callWith(usage)], prices).byModel.m).toEqual({
      inputTokens: 2_000_000,
      outputTokens: 0,
      cacheReadTokens: 1_200_000,
      cacheWriteTokens: 600_000,
    });
  });

  it("prices cached tokens as input when the table has no cache price", () => {
    const flat = { m: { inputPerMillion: 2, outputPerMillion: 0 } };
    expect(
      costOf(
        { inputTokens: 1_000_000, outputTokens: 0, cacheReadTokens: 500_000, model: "m" },
        flat,
      ),
    ).toBe(2);
  });

  it("never prices uncached input below zero when a provider counts the cache beside the input", () => {
    const usage = { inputTokens: 10, outputTokens: 0, cacheReadTokens: 1_000_000, model: "m" };
    expect(costOf(usage, prices)).toBe(0.3);
  });
});

describe("Table: DEFAULT_PRICES, Amazon Bedrock", () => {
  it.each([
    ["anthropic.claude-sonnet-4-5-20250929-v1:0", 3, 15, 0.3, 3.75],
    ["anthropic.claude-haiku-4-5-20251001-v1:0", 1, 5, 0.1, 1.25],
    ["anthropic.claude-opus-4-1-20250805-v1:0", 15, 75, 1.5, 18.75],
    ["amazon.nova-pro-v1:0", 0.8, 3.2, 0.2, 0.8],
    ["amazon.nova-micro-v1:0", 0.035, 0.14, 0.00875, 0.035],
    ["meta.llama3-3-70b-instruct-v1:0", 0.72, 0.72, 0.72, 0.72],
    ["mistral.mistral-large-2407-v1:0", 2, 6, 2, 2],
  ])(
    "prices a million tokens of %s: $%s in, $%s out, $%s read from the cache, $%s written to it",
    (model, input, output, read, write) => {
      const million = { inputTokens: 1_000_000, outputTokens: 0, model };
      expect(costOf(million)).toBe(input);
      expect(costOf({ ...million, inputTokens: 0, outputTokens: 1_000_000 })).toBe(output);
      expect(costOf({ ...million, cacheReadTokens: 1_000_000 })).toBe(read);
      expect(costOf({ ...million, cacheWriteTokens: 1_000_000 })).toBe(write);
    },
  );

  it("has Claude, Nova, Llama and Mistral models, under the ids Bedrock gives them", () => {
    const providers = new Set(Object.keys(BEDROCK_PRICES).map((id) => id.split(".")[0]));
    expect([...providers].sort()).toEqual(["amazon", "anthropic", "meta", "mistral"]);
    for (const id of Object.keys(BEDROCK_PRICES))
      expect(id).toMatch(/^[a-z]+\.[a-z0-9.-]+-v\d+:\d+$/);
  });
});

describe("Function: priceOf, Bedrock names", () => {
  const sonnet = "anthropic.claude-sonnet-4-5-20250929-v1:0";

  it("prices an inference profile of any geography, and an ARN, as the model it names", () => {
    const price = DEFAULT_PRICES[sonnet];
    expect(price).toBeDefined();
    for (const name of [
      `us.${sonnet}`,
      `eu.${sonnet}`,
      `apac.${sonnet}`,
      `global.${sonnet}`,
      `arn:aws:bedrock:us-east-1::foundation-model/${sonnet}`,
      `arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.${sonnet}`,
    ]) {
      expect(priceOf(name, DEFAULT_PRICES), name).toEqual(price);
    }
  });

  it("prefers a price for the profile itself, and strips no prefix that is not a geography", () => {
    const table = {
      ...DEFAULT_PRICES,
      [`eu.${sonnet}`]: { inputPerMillion: 9, outputPerMillion: 9 },
    };
    expect(priceOf(`eu.${sonnet}`, table)?.inputPerMillion).toBe(9);
    expect(priceOf(`xx.${sonnet}`, DEFAULT_PRICES)).toBeUndefined();
    expect(
      priceOf("us.nova", { nova: { inputPerMillion: 1, outputPerMillion: 1 } }),
    ).toBeUndefined();
  });
});

describe("Setting: MODEL_PRICES", () => {
  it("takes cache prices, which a deployment's table overrides the built-in one with", () => {
    const prices = readModelSettings({
      MODEL_PRICES: JSON.stringify({
        "amazon.nova-pro-v1:0": {
          inputPerMillion: 1,
          outputPerMillion: 4,
          cacheReadPerMillion: 0.5,
        },
      }),
    }).prices;
    const table = { ...DEFAULT_PRICES, ...prices };
    const usage = { inputTokens: 1_000_000, outputTokens: 0, model: "us.amazon.nova-pro-v1:0" };
    expect(costOf({ ...usage, cacheReadTokens: 1_000_000 }, table)).toBe(0.5);
    expect(costOf(usage, table)).toBe(1);
  });

  it("refuses a price field it does not know, naming the setting", () => {
    const read = () =>
      readModelSettings({
        MODEL_PRICES: JSON.stringify({
          m: { inputPerMillion: 1, outputPerMillion: 1, cachePerMillion: 1 },
        }),
      });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/MODEL_PRICES/);
  });
});
