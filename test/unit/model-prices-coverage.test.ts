import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_PRICES, priceOf } from "../../shared/core/cost.ts";
import { CLAUDE_REFUSING_FORCED_CHOICE } from "../../shared/llm/forced-choice.ts";
import { repoRoot } from "../support/repo.ts";

/** The model ids the docs' examples name: `bedrock("…")`, `anthropic("…")`, `bedrock:<id>`. */
function docsModelIds(): string[] {
  const pages = [
    join(repoRoot, "README.md"),
    ...readdirSync(join(repoRoot, "docs"))
      .filter((name) => name.endsWith(".md"))
      .map((name) => join(repoRoot, "docs", name)),
  ];
  const named =
    /(?:bedrock|anthropic)\("([a-z][\w.:-]+)"|(?:AGENT_MODEL=|")bedrock:([a-z][\w.:-]+)/g;
  return [
    ...new Set(
      pages.flatMap((page) =>
        [...readFileSync(page, "utf8").matchAll(named)].map(
          (match) => (match[1] ?? match[2]) as string,
        ),
      ),
    ),
  ];
}

describe("Table: DEFAULT_PRICES, the models Twelve names", () => {
  it("prices every Claude model of the forced-choice table, by Anthropic's id and on Bedrock", () => {
    for (const name of CLAUDE_REFUSING_FORCED_CHOICE) {
      for (const id of [name, `anthropic.${name}-v1:0`, `global.anthropic.${name}-v1:0`]) {
        const price = priceOf(id, DEFAULT_PRICES);
        expect(price, id).toBeDefined();
        // With its cached rates: Anthropic's rule, a read a tenth and a write 1.25 times the input.
        expect(price?.cacheReadPerMillion, id).toBeCloseTo((price?.inputPerMillion ?? 0) / 10);
        expect(price?.cacheWritePerMillion, id).toBeCloseTo((price?.inputPerMillion ?? 0) * 1.25);
      }
    }
  });

  it("prices every model the docs' examples name, and Nova 2 Lite with its cache read", () => {
    const ids = docsModelIds();
    expect(ids).toEqual(
      expect.arrayContaining(["claude-sonnet-5-5", "us.anthropic.claude-haiku-4-5-20251001-v1:0"]),
    );
    expect(ids.filter((id) => priceOf(id, DEFAULT_PRICES) === undefined)).toEqual([]);
    expect(
      priceOf("us.amazon.nova-2-lite-v1:0", DEFAULT_PRICES)?.cacheReadPerMillion,
    ).toBeDefined();
  });
});
