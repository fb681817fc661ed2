import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ModelError } from "../../shared/core/errors.ts";
import type { Model } from "../../shared/core/ports.ts";
import { parseDataset, runEval } from "../../shared/evals/index.ts";
import { calculator, createDeploybot, DemoModel } from "../../shared/examples/agents.ts";
import { SimulatedDeployTarget } from "../../shared/examples/deploybot/target.ts";
import { EXAMPLE_EVALS } from "../support/example-evals.ts";

const dataset = (name: string) =>
  parseDataset(readFileSync(join(EXAMPLE_EVALS, name), "utf8"), `shared/examples/evals/${name}`);

/** No model at all: every answer must come from the cassettes. */
const offline: Model = {
  next: async () => {
    throw new ModelError("offline: the examples' evals replay from cassettes", {
      retryable: false,
    });
  },
};

describe("The examples' datasets", () => {
  it("replay offline from their cassettes and pass, deploying nothing", async () => {
    // Prepare
    const target = new SimulatedDeployTarget();
    const cases = [...dataset("calculator.jsonl"), ...dataset("deploybot.jsonl")];
    // Act
    const report = await runEval({
      cases,
      agents: [calculator, createDeploybot(target)],
      model: offline,
      cassettes: { dir: join(EXAMPLE_EVALS, "cassettes") },
    });
    // Assess
    expect(report.results.map((r) => [r.caseId, r.verdict, r.error])).toEqual(
      cases.map((c) => [c.id, "passed", null]),
    );
    expect(cases.length).toBe(5);
    expect(target.deployments).toEqual([]);
  });

  it("pass with the demo model and live tools too (the deployments are simulated)", async () => {
    const target = new SimulatedDeployTarget();
    const report = await runEval({
      cases: dataset("deploybot.jsonl"),
      agents: [createDeploybot(target)],
      model: new DemoModel(),
      tools: "live",
    });
    expect(report.summary.passRate).toBe(1);
    expect(target.deployments.map((d) => [d.service, d.tag])).toEqual([["frontend", "v1.1.0"]]);
  });
});
