import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EVAL_CASE_VERSION, parseDataset, runEval } from "../../shared/evals/index.ts";
import { calculator, DemoModel } from "../../shared/examples/agents.ts";
import { repoRoot } from "../support/repo.ts";

/**
 * Every version of the case format is kept as a read-only fixture (test/fixtures/eval-cases/):
 * datasets written by an older release must keep reading and replaying. Never edit them; add
 * `v2.jsonl` beside when the format changes.
 */
describe("Eval case fixtures", () => {
  it("reads and replays format version 1", async () => {
    const path = "test/fixtures/eval-cases/v1.jsonl";
    const cases = parseDataset(readFileSync(join(repoRoot, path), "utf8"), path);
    expect(cases.map((c) => c.version)).toEqual([1, 1]);
    expect(EVAL_CASE_VERSION).toBe(1);
    const report = await runEval({ cases, agents: [calculator], model: new DemoModel() });
    expect(report.summary).toMatchObject({ total: 2, passed: 2 });
  });
});
