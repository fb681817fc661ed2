import type { Agent } from "../core/agent.ts";
import { DEFAULT_PRICES, type PriceTable } from "../core/cost.ts";
import { TwelveError } from "../core/errors.ts";
import type { Usage } from "../core/events.ts";
import type { Model, ModelReply, ModelRequest } from "../core/ports.ts";
import type { Status } from "../core/thread.ts";
import { pickModel } from "../runtime/model-rule.ts";
import { type EvalCase, type EvalCaseInput, ensureCase, whereIs } from "./case.ts";
import { withCassettes, withListingCassettes } from "./cassettes.ts";
import { DatasetError } from "./errors.ts";
import type { ToolMode } from "./recorded-tools.ts";
import { costOf, type Replay, replayCase } from "./replay.ts";
import type { Divergence } from "./replay-model.ts";
import { expectationScorers, runScorer, type Scorer } from "./scorers.ts";
import { type CaseSpread, spreadOf } from "./spread.ts";

/** A case's result: passed, failed a scorer, left the recording, or could not be scored. */
export const verdicts = ["passed", "failed", "diverged", "error"] as const;
export type Verdict = (typeof verdicts)[number];

export interface ScoreResult {
  scorer: string;
  pass: boolean;
  score?: number;
  reason?: string;
}

/** One replay of one case, scored. */
export interface CaseResult {
  caseId: string;
  /** The dataset line (`file:line (case id)`) or `case <id>`. */
  where: string;
  agent: string;
  /** 1-based, with `trials` above 1. */
  trial: number;
  verdict: Verdict;
  status: Status | null;
  output: string | null;
  scores: ScoreResult[];
  divergence: Divergence | null;
  /** Why the case could not be scored (a scorer that threw, a cassette miss), or null. */
  error: string | null;
  /**
   * The error's code, or null: `cassette_miss` (a model request or a listing no cassette holds,
   * which fails the run whatever `--min-pass` says), `scorer_failed`, or another error's code.
   */
  errorCode: string | null;
  steps: number;
  tokens: { input: number; output: number };
  costUsd: number | null;
}

/** A run's results and their totals: what `--json` writes and `--baseline` reads. */
export interface EvalReport {
  version: 1;
  tools: ToolMode;
  trials: number;
  results: CaseResult[];
  /** With `trials` above 1: per case, its pass count and the range of its steps, tokens and cost. */
  spread?: CaseSpread[];
  summary: {
    /** Replays scored (cases × trials). */
    total: number;
    passed: number;
    failed: number;
    diverged: number;
    errors: number;
    /** passed / total (1 for an empty run). */
    passRate: number;
    tokens: number;
    costUsd: number;
  };
}

export interface RunEvalOptions {
  /** The cases: read by `parseDataset`, built by `caseFromThread`, or written in code. */
  cases: readonly (EvalCase | EvalCaseInput)[];
  /** The candidate agents: each case replays the one of its name. */
  agents: readonly Agent[];
  /** Replay every case with this agent (a candidate under another name), whatever the case names. */
  agent?: string;
  /** The model of the agents that name none (the agents module's `model`). */
  model?: Model;
  /** `recorded` (default): tools serve the recording's results and the first divergence stops the case. `live`: tools run. */
  tools?: ToolMode;
  /** Replay model calls from cassettes in `dir` (fails closed on a miss), or record them there. */
  cassettes?: { dir: string; record?: boolean };
  /** Scorers run on every case, after those the case's `expect` asks for. */
  scorers?: readonly Scorer[];
  /** Replays of each case (default 1): the report shows the spread. */
  trials?: number;
  /** Prices for the cost estimate. Default `DEFAULT_PRICES`. */
  prices?: PriceTable;
}

/**
 * Replays each case with its candidate agent and scores it (what `twelve eval run` does).
 * Every case's agent is checked before anything runs: an unknown one is a `DatasetError`
 * naming the case's line, and no cases at all is one too.
 *
 * @example
 * const report = await runEval({ cases: parseDataset(text, "evals/calc.jsonl"), agents, model });
 * expect(report.summary.passRate).toBe(1);
 */
export async function runEval(options: RunEvalOptions): Promise<EvalReport> {
  const cases = options.cases.map(ensureCase);
  // No cases is no evidence: it fails closed rather than passing at a rate of 1.
  if (cases.length === 0) throw new DatasetError("no cases: the dataset is empty", 0);
  const agents = new Map(options.agents.map((agent) => [agent.name, agent]));
  const agentOf = (evalCase: EvalCase) => options.agent ?? evalCase.agent;
  for (const evalCase of cases) {
    if (!agents.has(agentOf(evalCase))) {
      throw new DatasetError(
        `${whereIs(evalCase)}: unknown agent "${agentOf(evalCase)}"; the agents are ${[...agents.keys()].join(", ")}`,
        0,
      );
    }
  }
  const tools = options.tools ?? "recorded";
  const trials = options.trials ?? 1;
  if (!Number.isInteger(trials) || trials < 1) {
    throw new DatasetError(`trials must be a positive integer, got ${trials}`, 0);
  }
  const results: CaseResult[] = [];
  for (const evalCase of cases) {
    for (let trial = 1; trial <= trials; trial++) {
      results.push(await runOne(evalCase, agents.get(agentOf(evalCase)) as Agent, trial, options));
    }
  }
  return {
    version: 1,
    tools,
    trials,
    results,
    ...(trials > 1 ? { spread: spreadOf(results) } : {}),
    summary: summarize(results),
  };
}

async function runOne(
  evalCase: EvalCase,
  agent: Agent,
  trial: number,
  options: RunEvalOptions,
): Promise<CaseResult> {
  const where = whereIs(evalCase);
  const base = { caseId: evalCase.id, where, agent: agent.name, trial };
  let replay: Replay;
  // What the agent's model was asked before an error, so a case that fails at step N says so.
  let asked = 0;
  const used: Usage[] = [];
  try {
    const { model } = pickModel(agent, { module: options.model });
    const cassettes = options.cassettes;
    const served = counted(
      cassettes
        ? withCassettes(model, { ...cassettes, where: (call) => `${where}, step ${call}` })
        : model,
      used,
      () => asked++,
    );
    // Recorded tools never run: their listing may come from cassettes too, so a replay needs no
    // MCP server. Live tools run on their servers, which list them.
    const tools = options.tools ?? "recorded";
    let miss: Error | undefined;
    const candidate =
      cassettes && (cassettes.record || tools === "recorded")
        ? withListingCassettes(agent, { ...cassettes, where, onMiss: (error) => (miss ??= error) })
        : agent;
    replay = await replayCase(evalCase, {
      agent: candidate,
      model: served,
      tools,
      prices: options.prices ?? DEFAULT_PRICES,
    });
    // A listing no cassette holds fails the case closed, as a model request does.
    if (miss) throw miss;
  } catch (error) {
    return {
      ...base,
      verdict: "error",
      status: null,
      output: null,
      scores: [],
      divergence: null,
      error: named(where, (error as Error)?.message ?? String(error)),
      errorCode: codeOf(error),
      steps: asked,
      tokens: {
        input: used.reduce((n, u) => n + u.inputTokens, 0),
        output: used.reduce((n, u) => n + u.outputTokens, 0),
      },
      costUsd: costOf(used, options.prices ?? DEFAULT_PRICES),
    };
  }
  const facts = {
    status: replay.status,
    output: replay.output,
    divergence: replay.divergence,
    steps: replay.steps,
    tokens: replay.tokens,
    costUsd: replay.costUsd,
  };
  const scores: ScoreResult[] = [];
  // A judge's calls go through the same cassettes as the agent's; its tokens count in the case.
  const judged: Usage[] = [];
  const judgeOf = (scorer: string) => (judge: Model) =>
    counted(
      options.cassettes
        ? withCassettes(judge, {
            ...options.cassettes,
            where: (call) => `${where}, scorer "${scorer}"${call > 1 ? ` call ${call}` : ""}`,
          })
        : judge,
      judged,
    );
  const withJudge = () =>
    judged.length === 0
      ? facts
      : {
          ...facts,
          tokens: {
            input: facts.tokens.input + judged.reduce((n, u) => n + u.inputTokens, 0),
            output: facts.tokens.output + judged.reduce((n, u) => n + u.outputTokens, 0),
          },
          costUsd: addCost(facts.costUsd, costOf(judged, options.prices ?? DEFAULT_PRICES)),
        };
  try {
    for (const scorer of [...expectationScorers(evalCase), ...(options.scorers ?? [])]) {
      const score = await runScorer(scorer, { evalCase, replay, model: judgeOf(scorer.name) });
      scores.push({ scorer: scorer.name, ...score });
    }
  } catch (error) {
    return {
      ...base,
      ...withJudge(),
      verdict: "error",
      scores,
      error: named(where, (error as Error)?.message ?? String(error)),
      errorCode: codeOf(error),
    };
  }
  const verdict: Verdict = replay.divergence
    ? "diverged"
    : scores.every((score) => score.pass)
      ? "passed"
      : "failed";
  return { ...base, ...withJudge(), verdict, scores, error: null, errorCode: null };
}

/** A model whose replies' usage is kept in `into`; `onAsk` is told of each request. */
const counted = (model: Model, into: Usage[], onAsk?: () => void): Model => ({
  ...(model.identity ? { identity: model.identity } : {}),
  async next(request: ModelRequest): Promise<ModelReply> {
    onAsk?.();
    const reply = await model.next(request);
    if (reply.usage) into.push(reply.usage);
    return reply;
  },
});

/** Two estimates summed, as a thread's models are: null only when neither has a price. */
const addCost = (a: number | null, b: number | null) =>
  a === null && b === null ? null : Math.round(((a ?? 0) + (b ?? 0)) * 1e8) / 1e8;

/** The code of a Twelve error (`cassette_miss`, `scorer_failed`...), else `error`. */
const codeOf = (error: unknown): string => (error instanceof TwelveError ? error.code : "error");

/** A message that names the case: as it is if it does already (a cassette miss does). */
const named = (where: string, message: string) =>
  message.startsWith(where) ? message : `${where}: ${message}`;

/** The totals of a run's results. */
export function summarize(results: readonly CaseResult[]): EvalReport["summary"] {
  const count = (verdict: Verdict) => results.filter((r) => r.verdict === verdict).length;
  const passed = count("passed");
  return {
    total: results.length,
    passed,
    failed: count("failed"),
    diverged: count("diverged"),
    errors: count("error"),
    passRate: results.length === 0 ? 1 : passed / results.length,
    tokens: results.reduce((sum, r) => sum + r.tokens.input + r.tokens.output, 0),
    costUsd: Math.round(results.reduce((sum, r) => sum + (r.costUsd ?? 0), 0) * 1e8) / 1e8,
  };
}
