import { canonicalJson } from "../core/hash.ts";
import type { Model } from "../core/ports.ts";
import { renderEvents, renderValue } from "../core/render.ts";
import type { EvalCase, OutputExpectation } from "./case.ts";
import { CassetteMissError, ScorerError } from "./errors.ts";
import type { Replay } from "./replay.ts";
import { sameCall } from "./replay-model.ts";

/** A scorer's verdict on one replay. */
export interface Score {
  pass: boolean;
  /** Optional, in [0, 1]: how well, for reports and spreads. */
  score?: number;
  /** Why, in a sentence: shown in the report for a failure. */
  reason?: string;
}

/** What a scorer reads: the case and what its replay did. */
export interface ScoreInput {
  evalCase: EvalCase;
  replay: Replay;
  /**
   * How a scorer asks a model of its own (a judge): `runEval` serves it through the run's
   * cassettes (recorded, or replayed and failing closed on a miss) and counts its tokens and cost
   * in the case. A scorer that calls a model asks it through this.
   */
  model?: (model: Model) => Model;
}

export interface Scorer {
  readonly name: string;
  score(input: ScoreInput): Score | Promise<Score>;
}

/**
 * A custom scorer. It must return a verdict: one that throws, or returns anything but
 * `{ pass: boolean }`, fails the case loudly (never a pass, never a silent zero).
 *
 * @example
 * const polite = defineScorer("polite", ({ replay }) => ({
 *   pass: !/stupid/i.test(replay.output ?? ""),
 *   reason: "the answer must not insult the user",
 * }));
 */
export function defineScorer(name: string, score: Scorer["score"]): Scorer {
  return { name, score };
}

/** The same calls (tool and canonical arguments) in the same order as `expected`. */
export const sameCalls = (expected: readonly { tool: string; args: unknown }[]): Scorer =>
  defineScorer("same calls", ({ replay }) => {
    const index = expected.findIndex((call, i) => {
      const made = replay.calls[i];
      return !made || !sameCall(call, made);
    });
    if (index >= 0) {
      const made = replay.calls[index];
      return {
        pass: false,
        reason: `call ${index + 1}: expected ${show(expected[index])}, got ${made ? show(made) : "no call"}`,
      };
    }
    if (replay.calls.length > expected.length) {
      const extra = replay.calls[expected.length];
      return { pass: false, reason: `an extra call ${expected.length + 1}: ${show(extra)}` };
    }
    return { pass: true };
  });

/** The replay ends in `status`. */
export const sameStatus = (status: string): Scorer =>
  defineScorer("same status", ({ replay }) =>
    replay.status === status
      ? { pass: true }
      : { pass: false, reason: `status ${replay.status}, expected ${status}` },
  );

/** The output matches exactly, by a regular expression, or holds JSON fields. */
export const outputMatches = (expectation: OutputExpectation): Scorer =>
  defineScorer("output", ({ replay }) => {
    const output = replay.output;
    if (output === null) return { pass: false, reason: "no output" };
    if ("exact" in expectation) {
      return output === expectation.exact
        ? { pass: true }
        : {
            pass: false,
            reason: `output ${JSON.stringify(output)}, expected ${JSON.stringify(expectation.exact)}`,
          };
    }
    if ("pattern" in expectation) {
      return new RegExp(expectation.pattern).test(output)
        ? { pass: true }
        : {
            pass: false,
            reason: `output ${JSON.stringify(output)} does not match /${expectation.pattern}/`,
          };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      return { pass: false, reason: "the output is not JSON" };
    }
    for (const [field, want] of Object.entries(expectation.fields)) {
      const got = (parsed as Record<string, unknown> | null)?.[field];
      if (canonicalJson(got) !== canonicalJson(want)) {
        return {
          pass: false,
          reason: `field ${field}: ${canonicalJson(got)}, expected ${canonicalJson(want)}`,
        };
      }
    }
    return { pass: true };
  });

/** At most `limit` model calls. */
export const maxSteps = (limit: number): Scorer =>
  defineScorer("max steps", ({ replay }) => atMost(replay.steps, limit, "steps"));

/** At most `limit` model tokens, in and out. */
export const maxTokens = (limit: number): Scorer =>
  defineScorer("max tokens", ({ replay }) =>
    atMost(replay.tokens.input + replay.tokens.output, limit, "tokens"),
  );

/** At most `limit` estimated dollars; a replay with no priced model fails (nothing to compare). */
export const maxCost = (limitUsd: number): Scorer =>
  defineScorer("max cost", ({ replay }) =>
    replay.costUsd === null
      ? { pass: false, reason: "no price for the model: the cost is unknown" }
      : atMost(replay.costUsd, limitUsd, "USD"),
  );

const GRADE_TOOL = {
  name: "grade",
  description: "Your verdict on the agent's run, against the rubric.",
  parameters: {
    type: "object",
    properties: {
      pass: { type: "boolean", description: "true if the run meets the rubric" },
      reason: { type: "string", description: "one sentence: why" },
    },
    required: ["pass", "reason"],
    additionalProperties: false,
  },
};

/**
 * A scorer that asks a model (any Twelve `Model`) whether the replay meets a rubric: it sees the
 * thread up to the cut, what the replay did, and its output, and answers with one `grade` call.
 * An answer that is not such a call fails the case loudly.
 *
 * @example
 * modelGraded({ model: judge, rubric: "The answer states the result as a number." });
 */
export const modelGraded = (options: { model: Model; rubric: string; name?: string }): Scorer =>
  defineScorer(options.name ?? "model graded", async ({ evalCase, replay, model }) => {
    const judge = model ? model(options.model) : options.model;
    const reply = await judge.next({
      messages: [
        {
          role: "system",
          content: `You grade one run of an AI agent against a rubric. Call grade once.\n\nRubric:\n${options.rubric}`,
        },
        {
          role: "user",
          content: [
            "<thread>",
            renderEvents([...evalCase.events, ...replay.events], 2000),
            "</thread>",
            "<output>",
            replay.output ?? "(none)",
            "</output>",
            "<status>",
            replay.status,
            "</status>",
          ].join("\n"),
        },
      ],
      tools: [GRADE_TOOL],
    });
    const args = reply.type === "tool_call" && reply.tool === "grade" ? reply.args : undefined;
    const pass = (args as { pass?: unknown } | undefined)?.pass;
    if (typeof pass !== "boolean") {
      throw new ScorerError(`the grading model did not call grade: ${renderValue(reply)}`);
    }
    const reason = (args as { reason?: unknown }).reason;
    return { pass, ...(typeof reason === "string" ? { reason } : {}) };
  });

/** The built-in scorers a case's `expect` asks for. */
export function expectationScorers(evalCase: EvalCase): Scorer[] {
  const { calls, status, output, maxSteps: steps, maxTokens: tokens, maxCostUsd } = evalCase.expect;
  return [
    ...(calls ? [sameCalls(calls)] : []),
    ...(status ? [sameStatus(status)] : []),
    ...(output ? [outputMatches(output)] : []),
    ...(steps ? [maxSteps(steps)] : []),
    ...(tokens ? [maxTokens(tokens)] : []),
    ...(maxCostUsd ? [maxCost(maxCostUsd)] : []),
  ];
}

/** One scorer's verdict, or a `ScorerError` when it threw or returned no verdict. */
export async function runScorer(scorer: Scorer, input: ScoreInput): Promise<Score> {
  let score: unknown;
  try {
    score = await scorer.score(input);
  } catch (cause) {
    // A judge's request no cassette holds fails the case closed as the agent's would: as it is.
    if (cause instanceof CassetteMissError) throw cause;
    throw new ScorerError(
      `scorer "${scorer.name}" threw: ${(cause as Error)?.message ?? String(cause)}`,
      { cause },
    );
  }
  if (typeof (score as Partial<Score> | null)?.pass !== "boolean") {
    throw new ScorerError(
      `scorer "${scorer.name}" returned ${score === undefined ? "nothing" : JSON.stringify(score)}, not { pass: boolean }`,
    );
  }
  return score as Score;
}

const atMost = (value: number, limit: number, unit: string): Score =>
  value <= limit ? { pass: true } : { pass: false, reason: `${value} ${unit}, at most ${limit}` };

const show = (call: { tool: string; args: unknown } | undefined) =>
  call ? `${call.tool}(${canonicalJson(call.args)})` : "nothing";
