#!/usr/bin/env node
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { type ApiKeys, readNamedApiKeys } from "../../functions/api-keys.ts";
import { logger } from "../../functions/logger.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import {
  type AgentModel,
  agentModels,
  formatAgentModels,
} from "../../shared/runtime/agent-models.ts";
import { checkAgentsModule } from "../../shared/runtime/agents.ts";
import { localLogLevel } from "./log-level.ts";
import { reconcileEveryMs } from "./reconcile-every.ts";

const USAGE =
  "usage: twelve dev --agents <module> [--fresh] [--verbose]\n       twelve eval add|run ... (twelve eval --help)";
const HELP = `${USAGE}

  --agents <module>  the agents module to serve (a .ts or .js file exporting \`agents\`)
  --fresh            start with no threads: delete what the data directory holds
  --verbose          log the handlers' INFO lines too (POWERTOOLS_LOG_LEVEL sets any level)
  --help             print this

Environment: PORT (3000), DYNAMODB_PORT (8000), SQS_PORT (9324), TWELVE_DATA_DIR (.data/dynamodb),
TWELVE_RECONCILE_SECONDS (30), AGENT_API_KEY or AGENT_API_KEYS, OPENAI_API_KEY, OPENAI_BASE_URL,
AGENT_MODEL and the settings in docs/twelve-dev.md.`;

/**
 * `twelve dev --agents ./agents.ts`: the whole runtime on this machine (DynamoDB Local, fauxqs,
 * a local EventBridge endpoint, the HTTP API, the worker, the schedules) serving that module's
 * agents. `npm start` in this repository is the same command with the example agents.
 * Environment: PORT (3000), DYNAMODB_PORT (8000), SQS_PORT (9324), TWELVE_DATA_DIR, AGENT_API_KEY
 * or AGENT_API_KEYS, WEBHOOK_SECRETS, OPENAI_API_KEY / OPENAI_BASE_URL / AGENT_MODEL. The model
 * rule: an agent's own model, else the module's `model` export, else OpenAI from the environment.
 */
const log = (line: string) => console.log(`twelve: ${line}`);
const fail = (line: string): never => {
  console.error(`twelve: ${line}`);
  process.exit(1);
};

const auth = (apiKeys: ApiKeys | undefined): string => {
  if (apiKeys) return `Bearer key required (AGENT_API_KEYS: ${Object.keys(apiKeys).join(", ")})`;
  return process.env.AGENT_API_KEY
    ? "Bearer AGENT_API_KEY required"
    : "none (set AGENT_API_KEY or AGENT_API_KEYS to require a bearer token)";
};

/** What a start-up line adds to a model: where an OpenAI server is, that the demo model is no LLM. */
const modelNote = (model: AgentModel): string => {
  if (model.provider === "DemoModel") return "(NOT an LLM): set OPENAI_API_KEY to use a real model";
  if (model.provider === "openai" && model.source === "environment") {
    return `at ${process.env.OPENAI_BASE_URL || "api.openai.com"}`;
  }
  return "";
};

const parse = () =>
  parseArgs({
    allowPositionals: true,
    options: {
      agents: { type: "string" },
      fresh: { type: "boolean", default: false },
      verbose: { type: "boolean", short: "v", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
// `twelve eval ...` has its own options (the bin dispatches it before loading this file).
if (process.argv[2] === "eval") {
  const { evalCommand } = await import("./eval-cli.ts");
  process.exit(await evalCommand(process.argv.slice(3)));
}
const args = (() => {
  try {
    return parse();
  } catch (error) {
    return fail(`${(error as Error).message}\n${USAGE}`);
  }
})();
if (args.values.help) {
  console.log(HELP);
  process.exit(0);
}
const [command] = args.positionals;
if (command !== "dev") fail(command ? `unknown command "${command}"\n${USAGE}` : USAGE);
if (!args.values.agents) fail(`--agents is required\n${USAGE}`);
logger.setLogLevel(localLogLevel(process.env, args.values.verbose));

const port = (name: string, fallback: number) => {
  const value = Number(process.env[name] || fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    fail(`${name}=${process.env[name]} is not a port number`);
  }
  return value;
};

// Loaded once the arguments are good: `--help` and a wrong option answer without the stack's SDKs.
const { LocalStackError } = await import("./emulators.ts");
const { startLocalStack } = await import("./stack.ts");

try {
  const modulePath = resolve(args.values.agents as string);
  const mod = checkAgentsModule(
    await import(pathToFileURL(modulePath).href).catch((error: unknown) => {
      throw new ConfigError(`cannot load the agents module ${modulePath}: ${String(error)}`);
    }),
    modulePath,
  );
  const apiKeys = readNamedApiKeys(process.env);
  const reconcileEvery = reconcileEveryMs(process.env);
  const dataDir = process.env.TWELVE_DATA_DIR || ".data/dynamodb";
  const stack = await startLocalStack({
    agents: mod.agents,
    ...(mod.model ? { model: mod.model } : {}),
    port: port("PORT", 3000),
    dynamoPort: port("DYNAMODB_PORT", 8000),
    sqsPort: port("SQS_PORT", 9324),
    dataDir,
    fresh: args.values.fresh,
    ...(process.env.AGENT_API_KEY ? { apiKey: process.env.AGENT_API_KEY } : {}),
    ...(apiKeys ? { apiKeys } : {}),
    log,
    logSteps: true,
    reconcileEveryMs: reconcileEvery,
  });
  // Each agent's provider and model, and where the model rule found it.
  const models = formatAgentModels(
    agentModels(mod.agents, { module: stack.deps.model, environment: stack.deps.environmentModel }),
    modelNote,
  ).join("\n            ");
  console.log(
    [
      "",
      `  Twelve is running at ${stack.url}`,
      `  console:  ${stack.url}/console`,
      `  agents:   ${mod.agents.map((agent) => agent.name).join(", ")}`,
      `  models:   ${models}`,
      `  auth:     ${auth(apiKeys)}`,
      `  threads:  ${args.values.fresh ? "fresh start, " : ""}kept in ${dataDir} (--fresh to wipe)`,
      `  notices:  a failed one is tried again after 10 s, 1 min and 5 min, then kept in the SQS queue twelve-undelivered-notices (${stack.sqsEndpoint})`,
      "  Ctrl-C stops everything.",
      "",
    ].join("\n"),
  );
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await stack.stop();
    log("stopped");
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  // npm and npx start this through `sh -c`, which a SIGTERM to npm kills without passing it on:
  // when the shell that started us is gone, stop as if signalled rather than run on orphaned.
  if (process.env.npm_lifecycle_event) {
    const parent = process.ppid;
    setInterval(() => process.ppid !== parent && shutdown(), 500).unref();
  }
} catch (error) {
  if (error instanceof LocalStackError || error instanceof ConfigError) fail(error.message);
  console.error("twelve: the local stack failed to start:", error);
  process.exit(1);
}
