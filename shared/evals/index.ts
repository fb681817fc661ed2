/**
 * `twelve-agents/evals`: cases from real threads, deterministic replays of them with a changed
 * prompt, model or tools, scorers, cassettes of model calls, and reports (what `twelve eval`
 * runs).
 *
 * @example
 * import { parseDataset, runEval } from "twelve-agents/evals";
 */
export {
  type CaseExpectations,
  checkCase,
  EVAL_CASE_VERSION,
  type EvalCase,
  type EvalCaseInput,
  type ExpectedCall,
  evalCase,
  evalCaseJsonSchema,
  type OutputExpectation,
  parseCase,
  parseDataset,
} from "./case.ts";
export { type CassetteOptions, cassetteKey, withCassettes } from "./cassettes.ts";
export { CassetteMissError, DatasetError, ScorerError } from "./errors.ts";
export { caseFromThread, type RecordedThread } from "./from-thread.ts";
export { type ToolMode, toolModes } from "./recorded-tools.ts";
export type { Replay } from "./replay.ts";
export type { Divergence } from "./replay-model.ts";
export { compareReports, formatMarkdown, formatTable, type ReportDelta, whyOf } from "./report.ts";
export {
  type CaseResult,
  type EvalReport,
  type RunEvalOptions,
  runEval,
  type ScoreResult,
  summarize,
  type Verdict,
  verdicts,
} from "./run-eval.ts";
export {
  defineScorer,
  maxCost,
  maxSteps,
  maxTokens,
  modelGraded,
  outputMatches,
  type Score,
  type ScoreInput,
  type Scorer,
  sameCalls,
  sameStatus,
} from "./scorers.ts";
export { type CaseSpread, type Range, spreadOf } from "./spread.ts";
