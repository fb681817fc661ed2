import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { environmentModel } from "../../functions/compose/environment-model.ts";
import { readModelSettings } from "../../functions/compose/settings/model.ts";
import { DEFAULT_PRICES } from "../../shared/core/cost.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import type { Model } from "../../shared/core/ports.ts";
import { parseDataset } from "../../shared/evals/case.ts";
import { DatasetError } from "../../shared/evals/errors.ts";
import type { ToolMode } from "../../shared/evals/recorded-tools.ts";
import { compareReports, formatMarkdown, formatTable } from "../../shared/evals/report.ts";
import { type EvalReport, runEval } from "../../shared/evals/run-eval.ts";
import type { Scorer } from "../../shared/evals/scorers.ts";
import { checkAgentsModule } from "../../shared/runtime/agents.ts";
import { checkOutputPath, readDatasetText } from "./eval-files.ts";

export interface EvalRunOptions {
  dataset: string;
  /** The agents module (the candidate). */
  agents: string;
  /** Replay every case with this agent of the module, whatever agent the case names. */
  agent?: string;
  /** A module exporting `scorers` (custom `defineScorer`s) run on every case. */
  config?: string;
  tools: ToolMode;
  json?: string;
  markdown?: string;
  baseline?: string;
  /** Exit non-zero below this pass rate (default 1: every case). */
  minPass: number;
  trials: number;
  cassettes?: string;
  record: boolean;
}

/** `twelve eval run`: the report, printed; resolves to the exit code. */
export async function evalRun(
  options: EvalRunOptions,
  print: (text: string) => void,
): Promise<number> {
  // Everything that can be checked is, before anything runs: a typo costs no replay.
  if (options.json) checkOutputPath(options.json, "--json");
  if (options.markdown) checkOutputPath(options.markdown, "--markdown");
  const cases = parseDataset(readDatasetText(resolve(options.dataset)), options.dataset);
  if (cases.length === 0) {
    throw new DatasetError(`${options.dataset}: no cases: the dataset is empty`, 0);
  }
  const mod = checkAgentsModule(await load(options.agents), resolve(options.agents));
  const scorers = options.config ? await loadScorers(options.config) : [];
  const settings = readModelSettings(process.env);
  const model =
    mod.model ??
    environmentModel(settings) ??
    (options.cassettes && !options.record ? replayStandIn() : undefined);
  const baseline = options.baseline ? readReport(options.baseline) : undefined;
  const report = await runEval({
    cases,
    agents: mod.agents,
    ...(model ? { model } : {}),
    ...(options.agent ? { agent: options.agent } : {}),
    tools: options.tools,
    trials: options.trials,
    scorers,
    prices: { ...DEFAULT_PRICES, ...settings.prices },
    ...(options.cassettes ? { cassettes: { dir: options.cassettes, record: options.record } } : {}),
  });
  const delta = baseline && compareReports(baseline, report);
  print(formatTable(report, delta));
  if (options.json) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
  if (options.markdown) writeFileSync(options.markdown, formatMarkdown(report, delta));
  // A cassette miss fails the run closed, whatever the gate: the replay did not happen.
  const misses = report.results.filter((r) => r.errorCode === "cassette_miss").length;
  if (misses > 0) {
    print(
      `${misses} ${misses === 1 ? "replay" : "replays"} missed a cassette: the run fails whatever --min-pass says (record with --record)`,
    );
    return 1;
  }
  if (report.summary.passRate < options.minPass) {
    print(`pass rate ${report.summary.passRate.toFixed(3)} is below --min-pass ${options.minPass}`);
    return 1;
  }
  return 0;
}

/**
 * The model a replay from cassettes stands on when the environment names none (no
 * OPENAI_API_KEY offline, in CI): it bears the identity the environment's OpenAI model would
 * have (`AGENT_MODEL`, default gpt-4o-mini), so the cassettes it recorded hit, and is never
 * asked (a miss fails the case before any call).
 */
function replayStandIn(): Model {
  const { openai } = readModelSettings({ ...process.env, OPENAI_API_KEY: "replay-only" });
  const identity = { provider: "openai", model: openai?.model ?? "gpt-4o-mini" };
  return {
    identity,
    next: () => {
      throw new ConfigError(
        "a replay from cassettes asked its model: set OPENAI_API_KEY to call it (--record)",
      );
    },
  };
}

async function load(path: string): Promise<unknown> {
  const absolute = resolve(path);
  return import(pathToFileURL(absolute).href).catch((error: unknown) => {
    throw new ConfigError(`cannot load ${absolute}: ${String(error)}`);
  });
}

async function loadScorers(path: string): Promise<Scorer[]> {
  const { scorers } = (await load(path)) as { scorers?: unknown };
  const valid =
    Array.isArray(scorers) &&
    scorers.every((s) => typeof s?.name === "string" && typeof s?.score === "function");
  if (!valid) {
    throw new ConfigError(`${path} must export \`scorers\`, an array of defineScorer(...)`);
  }
  return scorers as Scorer[];
}

function readReport(path: string): EvalReport {
  try {
    const report = JSON.parse(readFileSync(path, "utf8")) as EvalReport;
    if (report.version !== 1 || !Array.isArray(report.results)) throw new Error("not a report");
    return report;
  } catch (cause) {
    throw new ConfigError(
      `--baseline ${path} is not a report written by --json (${(cause as Error).message})`,
      { cause },
    );
  }
}
