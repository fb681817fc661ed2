import type { ThreadEvent } from "./events.ts";
import { usageOf } from "./thread.ts";

/** What a model's tokens cost, in US dollars per million. */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

/** Prices by model name. A name matches itself, or a dated version of it (`gpt-4o-2024-08-06`). */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * OpenAI's list prices for standard (not batch, not cached-input) processing, in USD per million
 * tokens, as published on openai.com/api/pricing in August 2025. They are inputs, not
 * measurements: prices change, so a deployment passes its own table (`MODEL_PRICES`), which is
 * merged over this one.
 */
export const DEFAULT_PRICES: PriceTable = {
  "gpt-5": { inputPerMillion: 1.25, outputPerMillion: 10 },
  "gpt-5-mini": { inputPerMillion: 0.25, outputPerMillion: 2 },
  "gpt-5-nano": { inputPerMillion: 0.05, outputPerMillion: 0.4 },
  "gpt-4.1": { inputPerMillion: 2, outputPerMillion: 8 },
  "gpt-4.1-mini": { inputPerMillion: 0.4, outputPerMillion: 1.6 },
  "gpt-4.1-nano": { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  "gpt-4o": { inputPerMillion: 2.5, outputPerMillion: 10 },
  "gpt-4o-mini": { inputPerMillion: 0.15, outputPerMillion: 0.6 },
};

/** A thread's tokens and their estimated cost. */
export interface ThreadCost {
  /** Tokens by model (`unknown` for usage that named none). */
  byModel: Record<string, { inputTokens: number; outputTokens: number }>;
  /** The priced models' cost in USD; null when no model of the thread has a price. */
  estimatedCostUsd: number | null;
  /** Models with tokens but no price: their tokens are not in the estimate. */
  unpriced: string[];
}

/**
 * The estimated cost of a thread's model calls (compaction summaries included), from `prices`.
 *
 * @example
 * estimateCost(thread.events, { ...DEFAULT_PRICES, "my-model": { inputPerMillion: 1, outputPerMillion: 2 } });
 */
export function estimateCost(events: readonly ThreadEvent[], prices: PriceTable): ThreadCost {
  const byModel: ThreadCost["byModel"] = {};
  for (const event of events) {
    const usage = usageOf(event);
    if (!usage) continue;
    const model = usage.model ?? "unknown";
    const tokens = byModel[model] ?? { inputTokens: 0, outputTokens: 0 };
    byModel[model] = tokens;
    tokens.inputTokens += usage.inputTokens;
    tokens.outputTokens += usage.outputTokens;
  }
  let total = 0;
  let priced = false;
  const unpriced: string[] = [];
  for (const [model, tokens] of Object.entries(byModel)) {
    const price = priceOf(model, prices);
    if (!price) {
      unpriced.push(model);
      continue;
    }
    priced = true;
    total +=
      (tokens.inputTokens * price.inputPerMillion + tokens.outputTokens * price.outputPerMillion) /
      1_000_000;
  }
  return { byModel, estimatedCostUsd: priced ? round(total) : null, unpriced };
}

/** The price of `model`: its own, or that of the name it is a dated version of. */
export function priceOf(model: string, prices: PriceTable): ModelPrice | undefined {
  if (Object.hasOwn(prices, model)) return prices[model];
  const undated = model.replace(/-\d{4}-\d{2}-\d{2}$/, "");
  return Object.hasOwn(prices, undated) ? prices[undated] : undefined;
}

/** Dollars to a millionth of a cent, so sums print without float noise. */
const round = (usd: number) => Math.round(usd * 1e8) / 1e8;
