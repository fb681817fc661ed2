import { describe, expect, it } from "vitest";
import { DEFAULT_PRICES, estimateCost, priceOf } from "../../shared/core/cost.ts";
import type { ThreadEvent, Usage } from "../../shared/core/events.ts";
import { compaction, threadError, toolCall, userMessage } from "../../shared/testing/index.ts";

const callWith = (usage: Usage): ThreadEvent => toolCall("call_1", "add", {}, { usage });

describe("Function: estimateCost", () => {
  it("sums tokens by model and prices them per million, dated versions at their model's price", () => {
    // Prepare
    const events = [
      callWith({ inputTokens: 1_000_000, outputTokens: 100_000, model: "gpt-4o-mini" }),
      callWith({ inputTokens: 500_000, outputTokens: 0, model: "gpt-4o-mini-2024-07-18" }),
      callWith({ inputTokens: 10, outputTokens: 5, model: "house-model" }),
      callWith({ inputTokens: 7, outputTokens: 3 }),
    ];

    // Act
    const cost = estimateCost(events, DEFAULT_PRICES);

    // Assess: 1.5M in at $0.15 and 0.1M out at $0.60
    expect(cost.estimatedCostUsd).toBeCloseTo(0.225 + 0.06, 10);
    expect(cost.byModel["gpt-4o-mini"]).toEqual({ inputTokens: 1_000_000, outputTokens: 100_000 });
    expect(cost.unpriced).toEqual(["house-model", "unknown"]);
  });

  it("takes a deployment's own prices, and says null when nothing could be priced", () => {
    const events = [callWith({ inputTokens: 2_000_000, outputTokens: 0, model: "house-model" })];
    const prices = { "house-model": { inputPerMillion: 1, outputPerMillion: 2 } };
    expect(estimateCost(events, prices).estimatedCostUsd).toBe(2);
    expect(estimateCost(events, DEFAULT_PRICES).estimatedCostUsd).toBeNull();
    expect(estimateCost([], DEFAULT_PRICES)).toEqual({
      byModel: {},
      estimatedCostUsd: null,
      unpriced: [],
    });
    expect(priceOf("toString", DEFAULT_PRICES)).toBeUndefined();
  });
});

describe("Table: DEFAULT_PRICES", () => {
  it.each([
    ["gpt-5", 1.25, 10],
    ["gpt-5-mini", 0.25, 2],
    ["gpt-5-nano", 0.05, 0.4],
    ["gpt-4.1", 2, 8],
    ["gpt-4.1-mini", 0.4, 1.6],
    ["gpt-4.1-nano", 0.1, 0.4],
    ["gpt-4o", 2.5, 10],
    ["gpt-4o-mini", 0.15, 0.6],
  ])(
    "prices a million tokens of %s at OpenAI's list price: $%s in, $%s out",
    (model, input, output) => {
      // Prepare
      const million = (inputTokens: number, outputTokens: number) =>
        toolCall("call_1", "add", {}, { usage: { inputTokens, outputTokens, model } });

      // Act + Assess
      expect(estimateCost([million(1_000_000, 0)], DEFAULT_PRICES).estimatedCostUsd).toBe(input);
      expect(estimateCost([million(0, 1_000_000)], DEFAULT_PRICES).estimatedCostUsd).toBe(output);
    },
  );
});

describe("Function: priceOf", () => {
  const prices = { "gpt-4o": { inputPerMillion: 2.5, outputPerMillion: 10 } };

  it("prices a dated version of a model at its model's price, and only a dated one", () => {
    expect(priceOf("gpt-4o-2024-08-06", prices)).toEqual(prices["gpt-4o"]);
    expect(priceOf("gpt-4o", prices)).toEqual(prices["gpt-4o"]);
    for (const name of [
      "gpt-4o-audio",
      "gpt-4o-2024-08",
      "gpt-4o-2024-08-06-preview",
      "gpt-4oX2024-08-06",
    ])
      expect(priceOf(name, prices), name).toBeUndefined();
    expect(priceOf("gpt-4o-abcd-ef-gh", prices)).toBeUndefined();
  });

  it("reads a date only at the end of a name: a date in the middle names another model", () => {
    const table = { ...prices, "gpt-4o-mini": { inputPerMillion: 0.15, outputPerMillion: 0.6 } };
    expect(priceOf("gpt-4o-2024-08-06-mini", table)).toBeUndefined();
  });

  it("prefers a dated version's own price to its model's", () => {
    const dated = { ...prices, "gpt-4o-2024-05-13": { inputPerMillion: 5, outputPerMillion: 15 } };
    expect(priceOf("gpt-4o-2024-05-13", dated)).toEqual({
      inputPerMillion: 5,
      outputPerMillion: 15,
    });
  });

  it("finds no price under a name the table inherits rather than holds", () => {
    expect(priceOf("constructor-2024-01-01", prices)).toBeUndefined();
    expect(priceOf("hasOwnProperty", prices)).toBeUndefined();
  });
});

describe("Function: estimateCost, over a whole thread", () => {
  it("counts the tokens of failed model replies and of compaction summaries, not of other events", () => {
    // Prepare
    const usage = { inputTokens: 1_000_000, outputTokens: 0, model: "gpt-4o" };
    const events: ThreadEvent[] = [
      userMessage("go"),
      toolCall("call_1", "add", {}, { usage }),
      threadError("model_reply", "no tool call", { usage }),
      compaction(1, 2, "summary", { method: "model", usage }),
    ];

    // Act
    const cost = estimateCost(events, DEFAULT_PRICES);

    // Assess
    expect(cost).toEqual({
      byModel: { "gpt-4o": { inputTokens: 3_000_000, outputTokens: 0 } },
      estimatedCostUsd: 7.5,
      unpriced: [],
    });
  });

  it("rounds to a millionth of a cent, so sums print without float noise", () => {
    // Prepare: 0.1 + 0.2 dollars of two models, which floats add up to 0.30000000000000004
    const prices = {
      m1: { inputPerMillion: 0.1, outputPerMillion: 0 },
      m2: { inputPerMillion: 0.2, outputPerMillion: 0 },
    };
    const calls = ["m1", "m2"].map((model) =>
      toolCall("call_1", "add", {}, { usage: { inputTokens: 1_000_000, outputTokens: 0, model } }),
    );

    // Act + Assess
    expect(estimateCost(calls, prices).estimatedCostUsd).toBe(0.3);
    const tiny = toolCall(
      "call_1",
      "add",
      {},
      { usage: { inputTokens: 1, outputTokens: 0, model: "m" } },
    );
    expect(
      estimateCost([tiny], { m: { inputPerMillion: 0.004, outputPerMillion: 0 } }).estimatedCostUsd,
    ).toBe(0);
  });
});
