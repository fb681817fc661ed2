import { describe, expect, it } from "vitest";
import { DEFAULT_PRICES, estimateCost, priceOf } from "../../shared/core/cost.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";

const at = "2026-01-01T00:00:00.000Z";
const callWith = (usage: Record<string, unknown>): ThreadEvent =>
  ({
    type: "tool_call",
    at,
    data: { callId: "call_1", tool: "add", args: {}, source: "model", usage },
  }) as ThreadEvent;

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
