import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { caseFromThread, type EvalCase, runEval } from "../../shared/evals/index.ts";
import { calculator, createDeploybot, DemoModel } from "../../shared/examples/agents.ts";
import { createRunner, type RunResult } from "../../shared/runtime/runner.ts";
import { steppingClock } from "../../shared/testing/index.ts";
import { repoRoot } from "./repo.ts";

/** Where the examples' datasets and cassettes live. */
export const EXAMPLE_EVALS = join(repoRoot, "shared/examples/evals");

/**
 * Records the examples' datasets (shared/examples/evals/*.jsonl) from threads the demo model
 * plays, and their cassettes: `node test/support/example-evals.ts` after a change to the
 * examples' prompts or flows. The ids and the clock are fixed, so a re-recording of unchanged
 * examples writes the same files.
 */
export async function recordExampleEvals(): Promise<void> {
  const model = new DemoModel();
  const deploybot = createDeploybot();
  const runner = createRunner({
    agents: [calculator, deploybot],
    model,
    clock: steppingClock("2026-12-01T09:00:00.000Z"),
  });
  const answer = async (
    run: RunResult,
    reply: { approved: boolean; comment?: string } | { response: string },
  ) => {
    if (!run.pending) throw new Error(`thread ${run.threadId} is ${run.status}, not waiting`);
    return runner.respond(run.threadId, { callId: run.pending.callId, ...reply });
  };
  const asCase = (run: RunResult, agent: string, id: string): EvalCase => {
    const made = caseFromThread({ ...run, agent }, { id });
    return {
      ...made,
      threadId: `thr_example_${id}`,
      source: { threadId: `thr_example_${id}`, version: 1 },
    };
  };

  const calc: EvalCase[] = [];
  calc.push(
    asCase(
      await runner.launch("calculator", "What is 3 + 4 * 2?"),
      "calculator",
      "calc-precedence",
    ),
  );
  let run = await runner.launch("calculator", "What is (3 + 5) / 2?");
  calc.push(asCase(await answer(run, { approved: true }), "calculator", "calc-division-approved"));
  run = await runner.launch("calculator", "What is 10 / 4?");
  run = await answer(run, { approved: false, comment: "no divisions today" });
  calc.push(
    asCase(
      await answer(run, { response: "Then what is 10 - 4?" }),
      "calculator",
      "calc-division-rejected",
    ),
  );

  const deploy: EvalCase[] = [];
  run = await runner.launch("deploybot", "Deploy v1.1.0 to the frontend");
  deploy.push(
    asCase(await answer(run, { approved: true }), "deploybot", "deploy-frontend-approved"),
  );
  run = await runner.launch("deploybot", "Ship the newest tag");
  deploy.push(
    asCase(
      await answer(run, { approved: false, comment: "freeze until Monday" }),
      "deploybot",
      "deploy-rejected",
    ),
  );

  const write = (name: string, cases: EvalCase[]) =>
    writeFileSync(join(EXAMPLE_EVALS, name), `${cases.map((c) => JSON.stringify(c)).join("\n")}\n`);
  mkdirSync(EXAMPLE_EVALS, { recursive: true });
  write("calculator.jsonl", calc);
  write("deploybot.jsonl", deploy);
  const cassettes = join(EXAMPLE_EVALS, "cassettes");
  rmSync(cassettes, { recursive: true, force: true });
  const report = await runEval({
    cases: [...calc, ...deploy],
    agents: [calculator, createDeploybot()],
    model,
    cassettes: { dir: cassettes, record: true },
  });
  if (report.summary.passRate !== 1) throw new Error("the examples' own replays must pass");
}

if (import.meta.url === `file://${process.argv[1]}`) await recordExampleEvals();
