import { describe, expect, it } from "vitest";
import {
  caseFromThread,
  defineScorer,
  maxCost,
  maxSteps,
  maxTokens,
  modelGraded,
  outputMatches,
  runEval,
  type Scorer,
} from "../../shared/evals/index.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import { call, ScriptedModel } from "../../shared/testing/index.ts";

const usage = { inputTokens: 100, outputTokens: 10, model: "gpt-4o-mini" };
const script = () => [
  { ...call("add", { a: 1, b: 2 }), usage },
  { ...call("done_for_now", { message: '{"sum":3,"unit":"none"}' }), usage },
];

async function setup() {
  const run = await createRunner({
    agents: [calculator],
    model: new ScriptedModel(script()),
  }).launch("calculator", "1 + 2?");
  return caseFromThread({ ...run, agent: "calculator" }, { id: "sum" });
}

async function score(scorers: Scorer[], expect = {}) {
  const c = await setup();
  const report = await runEval({
    cases: [{ ...c, expect: { ...c.expect, ...expect } }],
    agents: [calculator],
    model: new ScriptedModel(script()),
    scorers,
  });
  return report.results[0];
}

describe("Scorers", () => {
  it("matches the output exactly, by pattern, or by JSON fields", async () => {
    expect((await score([outputMatches({ pattern: '"sum":3' })]))?.verdict).toBe("passed");
    expect((await score([outputMatches({ fields: { sum: 3 } })]))?.verdict).toBe("passed");
    const wrong = await score([outputMatches({ fields: { sum: 4 } })]);
    expect(wrong?.verdict).toBe("failed");
    expect(wrong?.scores.at(-1)).toMatchObject({ pass: false, reason: "field sum: 3, expected 4" });
    expect((await score([outputMatches({ exact: "3" })]))?.verdict).toBe("failed");
  });

  it("holds steps, tokens and dollars under their limits", async () => {
    expect((await score([maxSteps(2), maxTokens(220)]))?.verdict).toBe("passed");
    const over = await score([maxSteps(1)]);
    expect(over?.scores.at(-1)).toMatchObject({ pass: false, reason: "2 steps, at most 1" });
    expect((await score([maxTokens(219)]))?.verdict).toBe("failed");
    // 200 input tokens at $0.15/M and 20 output at $0.60/M: $0.000042.
    const cost = await score([maxCost(0.000042)]);
    expect(cost?.costUsd).toBe(0.000042);
    expect(cost?.verdict).toBe("passed");
    expect((await score([maxCost(0.00004)]))?.verdict).toBe("failed");
  });

  it("takes the limits from the case's expect too", async () => {
    const result = await score([], { maxSteps: 1 });
    expect(result?.verdict).toBe("failed");
    expect(result?.scores.map((s) => s.scorer)).toContain("max steps");
  });

  it("fails the case loudly when a scorer throws or returns nothing", async () => {
    const throws = await score([
      defineScorer("boom", () => {
        throw new Error("bad rubric");
      }),
    ]);
    expect(throws).toMatchObject({
      verdict: "error",
      error: 'case sum: scorer "boom" threw: bad rubric',
      errorCode: "scorer_failed",
    });
    const nothing = await score([defineScorer("silent", () => undefined as never)]);
    expect(nothing).toMatchObject({
      verdict: "error",
      error: 'case sum: scorer "silent" returned nothing, not { pass: boolean }',
    });
    const zero = await score([defineScorer("zero", () => ({ score: 0 }) as never)]);
    expect(zero?.verdict).toBe("error");
  });

  it("asks a model to grade against a rubric, with the run in the request", async () => {
    const judge = new ScriptedModel([
      (request) => {
        expect(request.messages[0]?.content).toContain("States the sum.");
        expect(request.messages[1]?.content).toContain('{"sum":3,"unit":"none"}');
        return call("grade", { pass: false, reason: "no unit" });
      },
      call("done_for_now", { message: "not a grade" }),
    ]);
    const graded = modelGraded({ model: judge, rubric: "States the sum." });
    const result = await score([graded]);
    expect(result?.scores.at(-1)).toMatchObject({
      scorer: "model graded",
      pass: false,
      reason: "no unit",
    });
    const broken = await score([graded]);
    expect(broken?.verdict).toBe("error");
    expect(broken?.error).toMatch(/did not call grade/);
  });
});
