import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ModelError } from "../../shared/core/errors.ts";
import type { Model, ModelRequest } from "../../shared/core/ports.ts";
import {
  caseFromThread,
  type EvalCase,
  modelGraded,
  runEval,
  type Scorer,
} from "../../shared/evals/index.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { createRunner } from "../../shared/runtime/runner.ts";
import { PromptReadingModel } from "../support/prompt-reading-model.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function cases(): Promise<EvalCase[]> {
  const runner = createRunner({ agents: [calculator], model: new PromptReadingModel() });
  let divided = await runner.launch("calculator", "what is (6 + 4) / 5?");
  if (divided.pending) {
    divided = await runner.respond(divided.threadId, {
      callId: divided.pending.callId,
      approved: true,
    });
  }
  const plain = await runner.launch("calculator", "what is 2 * 3?");
  return [
    caseFromThread({ ...divided, agent: "calculator" }, { id: "divided" }),
    caseFromThread({ ...plain, agent: "calculator" }, { id: "plain" }),
  ];
}

/** A model that is never reachable: what a replay sees with the model server stopped. */
const unreachable: Model = {
  next: async () => {
    throw new ModelError("connection refused", { retryable: true });
  },
};

/** Records every request its inner model is asked, as JSON text. */
const recording = (inner: Model, into: string[]): Model => ({
  next: (request: ModelRequest) => {
    into.push(JSON.stringify(request));
    return inner.next(request);
  },
});

/** A judge that passes every run and counts how often it was asked. */
const countingJudge = () => {
  const judge = {
    asked: 0,
    identity: { provider: "openai", model: "gpt-4o" },
    next: async () => {
      judge.asked++;
      return {
        type: "tool_call" as const,
        tool: "grade",
        args: { pass: true, reason: "states the result" },
        usage: { model: "gpt-4o", inputTokens: 1000, outputTokens: 100 },
      };
    },
  };
  return judge;
};

describe("Cassettes", () => {
  it("record once, then replay offline: the unreachable model is never asked", async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), "twelve-cassettes-"));
    dirs.push(dir);
    const all = await cases();
    const recorded = await runEval({
      cases: all,
      agents: [calculator],
      model: new PromptReadingModel(),
      cassettes: { dir, record: true },
    });
    expect(recorded.summary.passed).toBe(2);
    expect(readdirSync(dir)).toHaveLength(5);
    // Act
    const replayed = await runEval({
      cases: all,
      agents: [calculator],
      model: unreachable,
      cassettes: { dir },
    });
    // Assess
    expect(replayed.results.map((r) => r.verdict)).toEqual(["passed", "passed"]);
  });

  it("fails closed on a miss, naming the case and the step", async () => {
    const dir = mkdtempSync(join(tmpdir(), "twelve-cassettes-"));
    dirs.push(dir);
    const all = await cases();
    await runEval({
      cases: all,
      agents: [calculator],
      model: new PromptReadingModel(),
      cassettes: { dir, record: true },
    });
    rmSync(
      readdirSync(dir)
        .map((file) => join(dir, file))
        .sort()[0] as string,
    );
    const report = await runEval({
      cases: all,
      agents: [calculator],
      model: unreachable,
      cassettes: { dir },
    });
    const missed = report.results.filter((r) => r.verdict === "error");
    expect(missed).toHaveLength(1);
    expect(missed[0]?.error).toMatch(
      /^case (divided|plain), step \d: no cassette for this model request \([0-9a-f]{12}\) in .*: record it with --record$/,
    );
    // The result reports the step it failed at, not 0.
    const step = Number(/step (\d)/.exec(missed[0]?.error ?? "")?.[1]);
    expect(missed[0]?.steps).toBe(step);
    expect(missed[0]?.errorCode).toBe("cassette_miss");
  });

  it("renders byte-identical model requests for the same case and agents, run after run", async () => {
    const all = await cases();
    const first: string[] = [];
    const second: string[] = [];
    await runEval({
      cases: all,
      agents: [calculator],
      model: recording(new PromptReadingModel(), first),
    });
    await runEval({
      cases: all,
      agents: [calculator],
      model: recording(new PromptReadingModel(), second),
    });
    expect(first.length).toBe(5);
    expect(second).toEqual(first);
  });

  it("serve a model-graded scorer's judge too: recorded once, replayed offline, a miss fails the case closed", async () => {
    // Prepare: record the agent's and the judge's requests.
    const dir = mkdtempSync(join(tmpdir(), "twelve-cassettes-"));
    dirs.push(dir);
    const all = await cases();
    const recordingJudge = countingJudge();
    const recorded = await runEval({
      cases: all,
      agents: [calculator],
      model: new PromptReadingModel(),
      cassettes: { dir, record: true },
      scorers: [modelGraded({ model: recordingJudge, rubric: "States the result." })],
    });
    expect(recordingJudge.asked).toBe(2);
    expect(recorded.summary.passed).toBe(2);
    const judgeFiles = readdirSync(dir).filter(
      (file) =>
        JSON.parse(readFileSync(join(dir, file), "utf8")).request.tools[0]?.name === "grade",
    );
    expect(judgeFiles).toHaveLength(2);
    // Act: replay offline with a judge that must not be asked.
    const offlineJudge = countingJudge();
    const offline = (scorers: Scorer[] = []) =>
      runEval({
        cases: all,
        agents: [calculator],
        model: unreachable,
        cassettes: { dir },
        scorers,
      });
    const judged = [modelGraded({ model: offlineJudge, rubric: "States the result." })];
    const replayed = await offline(judged);
    // Assess: served from cassettes, its tokens and cost counted in the case.
    expect(offlineJudge.asked).toBe(0);
    expect(replayed.results.map((r) => r.verdict)).toEqual(["passed", "passed"]);
    const plain = replayed.results[1];
    const withoutJudge = await offline();
    const agentOnly = withoutJudge.results[1];
    expect(plain?.tokens.input).toBe((agentOnly?.tokens.input ?? 0) + 1000);
    expect(plain?.tokens.output).toBe((agentOnly?.tokens.output ?? 0) + 100);
    expect(plain?.costUsd).toBeGreaterThan(agentOnly?.costUsd ?? 0);
    // A judge's request no cassette holds fails that case closed, naming the case and scorer.
    for (const file of judgeFiles) rmSync(join(dir, file));
    const missed = await offline(judged);
    expect(offlineJudge.asked).toBe(0);
    expect(missed.results.map((r) => [r.verdict, r.errorCode])).toEqual([
      ["error", "cassette_miss"],
      ["error", "cassette_miss"],
    ]);
    expect(missed.results[0]?.error).toMatch(
      /^case divided, scorer "model graded": no cassette for this model request \([0-9a-f]{12}\) in .*: record it with --record$/,
    );
  });
});
