import type { ModelPrice, PriceTable } from "./model-price.ts";

/**
 * A Claude model's price from its input and output prices (USD per million tokens), with
 * Anthropic's cache rule, the same on Bedrock as on its own API: a 5-minute cache write costs
 * 1.25 times the input price, a cache read a tenth of it.
 */
export const claudePrice = (input: number, output: number): ModelPrice => ({
  inputPerMillion: input,
  outputPerMillion: output,
  cacheWritePerMillion: input * 1.25,
  cacheReadPerMillion: input / 10,
});

/**
 * Claude by the ids of Anthropic's own API (what `aiSdk(anthropic("claude-…"))` records), at the
 * same list prices as on Bedrock (`BEDROCK_PRICES`): written from memory, not re-checked from
 * here (no internet), and the Claude 5.x rows are assumed at their 4.5 tier's price (Fable at
 * Sonnet's). Check them against anthropic.com/pricing; `MODEL_PRICES` overrides them.
 */
export const ANTHROPIC_PRICES: PriceTable = {
  "claude-opus-5-5": claudePrice(5, 25),
  "claude-sonnet-5-5": claudePrice(3, 15),
  "claude-fable-5-2": claudePrice(3, 15),
  "claude-fable-5-1": claudePrice(3, 15),
  "claude-opus-4-5": claudePrice(5, 25),
  "claude-sonnet-4-5": claudePrice(3, 15),
  "claude-haiku-4-5": claudePrice(1, 5),
};
