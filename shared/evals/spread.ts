/** What the spread reads of a case's result (a `CaseResult`). */
interface TrialResult {
  caseId: string;
  verdict: string;
  steps: number;
  tokens: { input: number; output: number };
  costUsd: number | null;
}

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
export function spreadOf(results: readonly TrialResult[]): CaseSpread[] {
  const byCase = new Map<string, TrialResult[]>();
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
