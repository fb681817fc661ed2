import { claudePrice as claude } from "./claude-prices.ts";
import type { ModelPrice } from "./model-price.ts";

// Nova reads from its cache at a quarter of the input price; writing it costs nothing extra
// (no cacheWritePerMillion: those tokens are priced as input).
const nova = (input: number, output: number): ModelPrice => ({
  inputPerMillion: input,
  outputPerMillion: output,
  cacheReadPerMillion: input / 4,
});

const flat = (input: number, output: number): ModelPrice => ({
  inputPerMillion: input,
  outputPerMillion: output,
});

/**
 * Amazon Bedrock's on-demand list prices (standard tier, US East (N. Virginia)) of the common
 * text models, in USD per million tokens, written from memory of aws.amazon.com/bedrock/pricing
 * and not re-checked from here (no internet): the Claude 5.x rows are assumed at their 4.5
 * tier's price (Fable at Sonnet's). Other Regions and the latency-optimized, batch and
 * long-context tiers differ. Keys are model ids as Bedrock names them; an inference profile
 * (`us.`, `eu.`, `apac.`, `global.`…) or an ARN of either is priced as its model (`priceOf`).
 * Inputs to check, not measurements: `MODEL_PRICES` overrides them.
 */
export const BEDROCK_PRICES: Readonly<Record<string, ModelPrice>> = {
  // Anthropic Claude (the 5.x models refuse a forced tool choice: shared/llm/forced-choice.ts)
  "anthropic.claude-opus-5-5-v1:0": claude(5, 25),
  "anthropic.claude-sonnet-5-5-v1:0": claude(3, 15),
  "anthropic.claude-fable-5-2-v1:0": claude(3, 15),
  "anthropic.claude-fable-5-1-v1:0": claude(3, 15),
  "anthropic.claude-opus-4-5-20251101-v1:0": claude(5, 25),
  "anthropic.claude-opus-4-1-20250805-v1:0": claude(15, 75),
  "anthropic.claude-opus-4-20250514-v1:0": claude(15, 75),
  "anthropic.claude-sonnet-4-5-20250929-v1:0": claude(3, 15),
  "anthropic.claude-sonnet-4-20250514-v1:0": claude(3, 15),
  "anthropic.claude-3-7-sonnet-20250219-v1:0": claude(3, 15),
  "anthropic.claude-3-5-sonnet-20241022-v2:0": claude(3, 15),
  "anthropic.claude-haiku-4-5-20251001-v1:0": claude(1, 5),
  "anthropic.claude-3-5-haiku-20241022-v1:0": claude(0.8, 4),
  "anthropic.claude-3-haiku-20240307-v1:0": claude(0.25, 1.25),
  // Amazon Nova
  "amazon.nova-2-lite-v1:0": nova(0.3, 2.5),
  "amazon.nova-premier-v1:0": nova(2.5, 12.5),
  "amazon.nova-pro-v1:0": nova(0.8, 3.2),
  "amazon.nova-lite-v1:0": nova(0.06, 0.24),
  "amazon.nova-micro-v1:0": nova(0.035, 0.14),
  // Meta Llama
  "meta.llama4-maverick-17b-instruct-v1:0": flat(0.24, 0.97),
  "meta.llama4-scout-17b-instruct-v1:0": flat(0.17, 0.66),
  "meta.llama3-3-70b-instruct-v1:0": flat(0.72, 0.72),
  "meta.llama3-2-90b-instruct-v1:0": flat(0.72, 0.72),
  "meta.llama3-2-11b-instruct-v1:0": flat(0.16, 0.16),
  "meta.llama3-2-3b-instruct-v1:0": flat(0.15, 0.15),
  "meta.llama3-2-1b-instruct-v1:0": flat(0.1, 0.1),
  "meta.llama3-1-405b-instruct-v1:0": flat(2.4, 2.4),
  "meta.llama3-1-70b-instruct-v1:0": flat(0.72, 0.72),
  "meta.llama3-1-8b-instruct-v1:0": flat(0.22, 0.22),
  // Mistral AI
  "mistral.pixtral-large-2502-v1:0": flat(2, 6),
  "mistral.mistral-large-2407-v1:0": flat(2, 6),
  "mistral.mistral-large-2402-v1:0": flat(4, 12),
  "mistral.mistral-small-2402-v1:0": flat(1, 3),
  "mistral.mixtral-8x7b-instruct-v0:1": flat(0.45, 0.7),
  "mistral.mistral-7b-instruct-v0:2": flat(0.15, 0.2),
};
