import { describe, expect, it } from "vitest";
import { isCount, tokenUsage } from "../../shared/llm/usage.ts";

describe("Function: tokenUsage (every adapter's usage)", () => {
  it.each([
    [
      { input: 50, output: 7 },
      { inputTokens: 50, outputTokens: 7 },
    ],
    [
      { input: 50, output: 7, cacheRead: 40, cacheWrite: 5, model: "m" },
      { inputTokens: 50, outputTokens: 7, cacheReadTokens: 40, cacheWriteTokens: 5, model: "m" },
    ],
    [
      { input: 50, output: 7, cacheRead: 0, cacheWrite: 0, model: "" },
      { inputTokens: 50, outputTokens: 7 },
    ],
    [
      { input: 50, output: 7, cacheRead: -1, cacheWrite: 2.5, model: 42 },
      { inputTokens: 50, outputTokens: 7 },
    ],
    [
      { input: 50, output: 7, cacheRead: "40", cacheWrite: null, model: undefined },
      { inputTokens: 50, outputTokens: 7 },
    ],
  ])("%j is %j", (counts, usage) => {
    expect(tokenUsage(counts)).toEqual(usage);
  });

  it("counts whole numbers from zero up, nothing else", () => {
    expect([0, 1, 2 ** 40].every(isCount)).toBe(true);
    expect([-1, 1.5, Number.NaN, "1", null, undefined].some(isCount)).toBe(false);
  });
});
