/** What a model's tokens cost, in US dollars per million. */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
  /** Input tokens read from the prompt cache (`Usage.cacheReadTokens`). Default: the input price. */
  cacheReadPerMillion?: number;
  /** Input tokens written to the prompt cache (`Usage.cacheWriteTokens`). Default: the input price. */
  cacheWritePerMillion?: number;
}

/** Prices by model name. A name matches itself, or a dated version of it (`gpt-4o-2024-08-06`). */
export type PriceTable = Readonly<Record<string, ModelPrice>>;
