import { BEDROCK_PRICES } from "./bedrock-prices.ts";
import { ANTHROPIC_PRICES } from "./claude-prices.ts";
import type { ThreadEvent } from "./events.ts";
import type { ModelPrice, PriceTable } from "./model-price.ts";
import { usageOf } from "./thread.ts";

export type { ModelPrice, PriceTable };

/**
 * OpenAI's list prices for standard (not batch) processing, cached input included, in USD per
 * million tokens, as published on openai.com/api/pricing in August 2025.
 */
const OPENAI_PRICES: PriceTable = {
  "gpt-5": { inputPerMillion: 1.25, outputPerMillion: 10, cacheReadPerMillion: 0.125 },
  "gpt-5-mini": { inputPerMillion: 0.25, outputPerMillion: 2, cacheReadPerMillion: 0.025 },
  "gpt-5-nano": { inputPerMillion: 0.05, outputPerMillion: 0.4, cacheReadPerMillion: 0.005 },
  "gpt-4.1": { inputPerMillion: 2, outputPerMillion: 8, cacheReadPerMillion: 0.5 },
  "gpt-4.1-mini": { inputPerMillion: 0.4, outputPerMillion: 1.6, cacheReadPerMillion: 0.1 },
  "gpt-4.1-nano": { inputPerMillion: 0.1, outputPerMillion: 0.4, cacheReadPerMillion: 0.025 },
  "gpt-4o": { inputPerMillion: 2.5, outputPerMillion: 10, cacheReadPerMillion: 1.25 },
  "gpt-4o-mini": { inputPerMillion: 0.15, outputPerMillion: 0.6, cacheReadPerMillion: 0.075 },
};

/**
 * The built-in prices: OpenAI's, Amazon Bedrock's common models (`BEDROCK_PRICES`) and Claude by
 * Anthropic's ids (`ANTHROPIC_PRICES`). They are
 * inputs, not measurements: prices change, so a deployment passes its own table
 * (`MODEL_PRICES`), which is merged over this one.
 */
export const DEFAULT_PRICES: PriceTable = {
  ...OPENAI_PRICES,
  ...BEDROCK_PRICES,
  ...ANTHROPIC_PRICES,
};

/** One model's tokens in a thread; the cache counts only where the provider reported them. */
export interface ModelTokens {
  inputTokens: number;
  outputTokens: number;
  /** Of `inputTokens`, read from the prompt cache. */
  cacheReadTokens?: number;
  /** Of `inputTokens`, written to the prompt cache. */
  cacheWriteTokens?: number;
  /** The provider that answered (`openai`, `bedrock`, `ai-sdk:<provider>`), where one was reported. */
  provider?: string;
}

/** A thread's tokens and their estimated cost. */
export interface ThreadCost {
  /** Tokens by model (`unknown` for usage that named none). */
  byModel: Record<string, ModelTokens>;
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
    const tokens: ModelTokens = byModel[model] ?? { inputTokens: 0, outputTokens: 0 };
    byModel[model] = tokens;
    tokens.inputTokens += usage.inputTokens;
    tokens.outputTokens += usage.outputTokens;
    if (usage.cacheReadTokens) {
      tokens.cacheReadTokens = (tokens.cacheReadTokens ?? 0) + usage.cacheReadTokens;
    }
    if (usage.cacheWriteTokens) {
      tokens.cacheWriteTokens = (tokens.cacheWriteTokens ?? 0) + usage.cacheWriteTokens;
    }
    if (usage.provider) tokens.provider = usage.provider;
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
    total += costOf(tokens, price);
  }
  return { byModel, estimatedCostUsd: priced ? round(total) : null, unpriced };
}

/**
 * What tokens cost at `price`: cached input at the cache prices (the input price where the table
 * has none), the rest of the input at the input price.
 */
function costOf(tokens: ModelTokens, price: ModelPrice): number {
  const read = tokens.cacheReadTokens ?? 0;
  const written = tokens.cacheWriteTokens ?? 0;
  // A provider that counts cached tokens beside the input, not within it, leaves none uncached.
  const uncached = Math.max(0, tokens.inputTokens - read - written);
  return (
    (uncached * price.inputPerMillion +
      read * (price.cacheReadPerMillion ?? price.inputPerMillion) +
      written * (price.cacheWritePerMillion ?? price.inputPerMillion) +
      tokens.outputTokens * price.outputPerMillion) /
    1_000_000
  );
}

/** A Bedrock ARN's last part: the model or inference profile id it names. */
const arnResource = /^arn:aws[a-z-]*:bedrock:[^:]*:[^:]*:[a-z-]+\/(.+)$/;
/** A Bedrock inference profile's geography in front of the model id it routes to. */
const profileGeography = /^(?:us|us-gov|eu|apac|jp|au|ca|global)\.(?=[^.]+\.)/;

/**
 * The price of `model`: its own, or that of the name it is a dated version of; a Bedrock ARN or
 * inference profile (`us.anthropic.claude-…`, `global.…`) is priced as the model it names.
 */
export function priceOf(model: string, prices: PriceTable): ModelPrice | undefined {
  const named = (name: string): ModelPrice | undefined => {
    if (Object.hasOwn(prices, name)) return prices[name];
    const undated = name.replace(/-\d{4}-\d{2}-\d{2}$/, "");
    return Object.hasOwn(prices, undated) ? prices[undated] : undefined;
  };
  const id = arnResource.exec(model)?.[1] ?? model;
  return named(model) ?? named(id) ?? named(id.replace(profileGeography, ""));
}

/** Dollars to a millionth of a cent, so sums print without float noise. */
const round = (usd: number) => Math.round(usd * 1e8) / 1e8;
