import { parseArgs } from "node:util";
import { ConfigError, TwelveError } from "../../shared/core/errors.ts";
import { evalCaseJsonSchema } from "../../shared/evals/case.ts";
import { toolModes } from "../../shared/evals/recorded-tools.ts";
import { evalAdd } from "./eval-add.ts";
import { evalRun } from "./eval-run.ts";

export const EVAL_USAGE = `usage:
  twelve eval add <dataset.jsonl> --thread <id> [--at <version>] [--id <case id>] [--url <api>]
  twelve eval run <dataset.jsonl> --agents <module> [--agent <name>] [--config <module>]
                  [--tools recorded|live] [--json <file>] [--markdown <file>] [--baseline <report>]
                  [--min-pass <ratio>] [--trials <n>] [--cassettes <dir> [--record]]
  twelve eval schema

  add   appends a case built from a stored thread, read through the HTTP API (--url, default
        http://127.0.0.1:3000; the key from AGENT_API_KEY): its events up to --at (default 1,
        the first message) and what it went on to do.
  run   replays each case with the module's agents and scores it; exits 1 below --min-pass
        (a ratio, default 1) or on any cassette miss, 2 on a usage or dataset error.
  schema prints the case format as JSON Schema. See docs/evals.md.`;

/** `twelve eval ...`: resolves to the exit code; prints through `out` and `err`. */
export async function evalCommand(
  argv: readonly string[],
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): Promise<number> {
  const fail = (line: string) => {
    err(`twelve: ${line}`);
    return 2;
  };
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return fail(`${(error as Error).message}\n${EVAL_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(EVAL_USAGE);
    return 0;
  }
  const [verb, dataset] = positionals;
  if (verb === "schema") {
    out(JSON.stringify(evalCaseJsonSchema(), null, 2));
    return 0;
  }
  if (!dataset || (verb !== "add" && verb !== "run")) return fail(EVAL_USAGE);
  try {
    if (verb === "add") {
      if (!values.thread) return fail(`--thread is required\n${EVAL_USAGE}`);
      const at = values.at === undefined ? undefined : positiveInt("--at", values.at);
      const added = await evalAdd({
        dataset,
        threadId: values.thread,
        url: values.url ?? "http://127.0.0.1:3000",
        ...(at === undefined ? {} : { at }),
        ...(values.id ? { id: values.id } : {}),
        ...(process.env.AGENT_API_KEY ? { apiKey: process.env.AGENT_API_KEY } : {}),
      });
      out(`twelve: added case ${added.id} (${added.events} events) to ${dataset}`);
      return 0;
    }
    if (!values.agents) return fail(`--agents is required\n${EVAL_USAGE}`);
    const tools = values.tools ?? "recorded";
    if (!(toolModes as readonly string[]).includes(tools)) {
      return fail(`--tools must be recorded or live, got "${tools}"`);
    }
    if (values.record && !values.cassettes) return fail("--record needs --cassettes <dir>");
    const minPass = values["min-pass"] === undefined ? 1 : ratio("--min-pass", values["min-pass"]);
    return await evalRun(
      {
        dataset,
        agents: values.agents,
        ...(values.agent ? { agent: values.agent } : {}),
        ...(values.config ? { config: values.config } : {}),
        tools: tools as (typeof toolModes)[number],
        ...(values.json ? { json: values.json } : {}),
        ...(values.markdown ? { markdown: values.markdown } : {}),
        ...(values.baseline ? { baseline: values.baseline } : {}),
        minPass,
        trials:
          values.trials === undefined ? 1 : positiveInt("--trials", values.trials, MAX_TRIALS),
        ...(values.cassettes ? { cassettes: values.cassettes } : {}),
        record: values.record ?? false,
      },
      out,
    );
  } catch (error) {
    if (error instanceof TwelveError) return fail(error.message);
    throw error;
  }
}

const parse = (argv: readonly string[]) =>
  parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      thread: { type: "string" },
      at: { type: "string" },
      id: { type: "string" },
      url: { type: "string" },
      agents: { type: "string" },
      agent: { type: "string" },
      config: { type: "string" },
      tools: { type: "string" },
      json: { type: "string" },
      markdown: { type: "string" },
      baseline: { type: "string" },
      "min-pass": { type: "string" },
      trials: { type: "string" },
      cassettes: { type: "string" },
      record: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });

/** The most replays of each case `--trials` asks for. */
const MAX_TRIALS = 1000;

/** A whole number from 1 (to `max`), written as one: `2`, not `0x2`, `2.0` or ` 2`. */
function positiveInt(flag: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^[1-9][0-9]*$/.test(value) || n > max) {
    const range =
      max === Number.MAX_SAFE_INTEGER ? "a positive integer" : `a whole number from 1 to ${max}`;
    throw new ConfigError(`${flag} must be ${range}, got "${value}"`);
  }
  return n;
}

/** A ratio from 0 to 1, written as a decimal: `0.8`, `1`, `.5`; not ``, `0x1` or `80%`. */
function ratio(flag: string, value: string): number {
  const n = Number(value);
  if (!/^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/.test(value) || !(n >= 0 && n <= 1)) {
    throw new ConfigError(`${flag} must be a ratio from 0 to 1, got "${value}"`);
  }
  return n;
}
