import type { CaseResult } from "./run-eval.ts";

/** The lowest and highest of a measure over a case's trials. */
export interface Range {
  min: number;
  max: number;
}

/** How one case's trials spread (`--trials N`): how many passed, and the range of each measure. */
export interface CaseSpread {
  caseId: string;
  trials: number;
  passed: number;
  steps: Range;
  tokens: Range;
  /** Null when no trial's cost is known. */
  costUsd: Range | null;
}

/**
 * Per case, in the order the cases ran: its trials' pass count and the lowest and highest steps,
 * tokens (in + out) and estimated cost.
 *
 * @example
 * spreadOf(report.results); // [{ caseId: "plain", trials: 3, passed: 2, steps: { min: 3, max: 4 }, ... }]
 */
export function spreadOf(results: readonly CaseResult[]): CaseSpread[] {
  const byCase = new Map<string, CaseResult[]>();
  for (const result of results) {
    byCase.set(result.caseId, [...(byCase.get(result.caseId) ?? []), result]);
  }
  return [...byCase].map(([caseId, trials]) => {
    const costs = trials.flatMap((r) => (r.costUsd === null ? [] : [r.costUsd]));
    return {
      caseId,
      trials: trials.length,
      passed: trials.filter((r) => r.verdict === "passed").length,
      steps: range(trials.map((r) => r.steps)),
      tokens: range(trials.map((r) => r.tokens.input + r.tokens.output)),
      costUsd: costs.length === 0 ? null : range(costs),
    };
  });
}

const range = (values: readonly number[]): Range => ({
  min: Math.min(...values),
  max: Math.max(...values),
});
