import { parseArgs } from "node:util";
import { agents } from "../../shared/agents/index.ts";
import { ConfigError } from "../../shared/core/errors.ts";
import { LocalStackError } from "./emulators.ts";
import { startLocalStack } from "./stack.ts";

/**
 * `npm start`: the whole runtime on this machine. `npm start -- --fresh` starts with no threads.
 * Environment: PORT (3000), DYNAMODB_PORT (8000), SQS_PORT (9324), TWELVE_DATA_DIR, AGENT_API_KEY,
 * OPENAI_API_KEY / OPENAI_BASE_URL / AGENT_MODEL (without a key: the scripted demo model).
 */
const { values } = parseArgs({ options: { fresh: { type: "boolean", default: false } } });
const port = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    console.error(`twelve: ${name}=${process.env[name]} is not a port number`);
    process.exit(1);
  }
  return value;
};
const log = (line: string) => console.log(`twelve: ${line}`);

try {
  const stack = await startLocalStack({
    port: port("PORT", 3000),
    dynamoPort: port("DYNAMODB_PORT", 8000),
    sqsPort: port("SQS_PORT", 9324),
    dataDir: process.env.TWELVE_DATA_DIR ?? ".data/dynamodb",
    fresh: values.fresh,
    ...(process.env.AGENT_API_KEY ? { apiKey: process.env.AGENT_API_KEY } : {}),
    log,
  });
  const model = process.env.OPENAI_API_KEY
    ? `${process.env.AGENT_MODEL ?? "gpt-4o-mini"} at ${process.env.OPENAI_BASE_URL ?? "api.openai.com"}`
    : "DEMO MODEL (scripted, no LLM): set OPENAI_API_KEY to use a real model";
  console.log(
    [
      "",
      `  Twelve is running at ${stack.url}`,
      `  agents:   ${[...agents.keys()].join(", ")}`,
      `  model:    ${model}`,
      `  auth:     ${process.env.AGENT_API_KEY ? "Bearer AGENT_API_KEY required" : "none (set AGENT_API_KEY to require a bearer token)"}`,
      `  threads:  ${values.fresh ? "fresh start, " : ""}kept in .data/dynamodb (npm start -- --fresh to wipe)`,
      "  Ctrl-C stops everything.",
      "",
    ].join("\n"),
  );
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    log("stopping…");
    await stack.stop();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
} catch (error) {
  if (error instanceof LocalStackError || error instanceof ConfigError) {
    console.error(`twelve: ${error.message}`);
  } else {
    console.error("twelve: the local stack failed to start:", error);
  }
  process.exit(1);
}
