import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ModelError } from "../../shared/core/errors.ts";
import type { Model, ModelRequest } from "../../shared/core/ports.ts";
import { caseFromThread, type EvalCase, runEval } from "../../shared/evals/index.ts";
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
});
