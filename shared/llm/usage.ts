import type { Usage } from "../core/events.ts";

/** Whether a provider's count is one: a whole number, not below zero. */
export const isCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= 0;

/** A call's counts as an adapter read them from its provider's answer. */
export interface TokenCounts {
  /** All the input, cached tokens included. */
  input: number;
  output: number;
  /** Of `input`, read from the prompt cache (kept where it is a count above zero). */
  cacheRead?: unknown;
  /** Of `input`, written to the prompt cache (kept where it is a count above zero). */
  cacheWrite?: unknown;
  /** The model that answered (kept where it is a non-empty string). */
  model?: unknown;
}

/**
 * The core's `Usage` of a call, the same for every adapter: the cache counts only where the
 * provider reported some, the model only where it named one.
 *
 * @example
 * tokenUsage({ input: 50, output: 7, cacheRead: 40, cacheWrite: 0, model: "claude-sonnet-5" });
 * // { inputTokens: 50, outputTokens: 7, cacheReadTokens: 40, model: "claude-sonnet-5" }
 */
export function tokenUsage({ input, output, cacheRead, cacheWrite, model }: TokenCounts): Usage {
  return {
    inputTokens: input,
    outputTokens: output,
    ...(isCount(cacheRead) && cacheRead > 0 ? { cacheReadTokens: cacheRead } : {}),
    ...(isCount(cacheWrite) && cacheWrite > 0 ? { cacheWriteTokens: cacheWrite } : {}),
    ...(typeof model === "string" && model !== "" ? { model } : {}),
  };
}
