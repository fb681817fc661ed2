import { claudeRefusesForcedChoice } from "../forced-choice.ts";

/**
 * What a Bedrock model accepts of the Converse request, by model id. Tables, not guesses at run
 * time: a model that refuses a forced tool choice anyway is learned from its 400 (see
 * `BedrockModel`), and each adapter option overrides its row.
 */

/** What the adapter sends a model: a forced tool choice, and where cache points go. */
export interface Capabilities {
  /** Takes `toolChoice.any` (else: `auto` plus the one-call instruction). */
  forcedToolChoice: boolean;
  /** Takes a `cachePoint` after the system prompt. */
  cacheSystem: boolean;
  /** Takes a `cachePoint` after the tools. */
  cacheTools: boolean;
}

/** The families the tables know, first match wins (so a newer Claude comes before its elders). */
const families = [
  // The newest Claude models refuse a forced tool choice (Bedrock answers 400): the table all
  // adapters share.
  { family: "claude-refusing", matches: { test: claudeRefusesForcedChoice } },
  // Claude 3 and 3.5 Sonnet: tool choice yes, prompt caching no (on Bedrock).
  { family: "claude-uncached", matches: /claude-3-(?:haiku|sonnet|opus)|claude-3-5-sonnet/ },
  { family: "claude", matches: /claude-/ },
  // Nova caches the system prompt and messages, not tools.
  { family: "nova", matches: /^amazon\.nova-/ },
] as const;
type Family = (typeof families)[number]["family"] | "other";

const table = {
  "claude-refusing": { forcedToolChoice: false, cacheSystem: true, cacheTools: true },
  "claude-uncached": { forcedToolChoice: true, cacheSystem: false, cacheTools: false },
  claude: { forcedToolChoice: true, cacheSystem: true, cacheTools: true },
  // Models other than Claude answer 400 to `toolChoice.any` (strands-agents harness-sdk#1241).
  nova: { forcedToolChoice: false, cacheSystem: true, cacheTools: false },
  // Llama, Mistral, DeepSeek, an application inference profile's opaque id: the safe defaults.
  other: { forcedToolChoice: false, cacheSystem: false, cacheTools: false },
} as const satisfies Record<Family, Capabilities>;

/**
 * The foundation model a model id names: the last part of an ARN (`.../foundation-model/<id>`,
 * `.../inference-profile/<id>`), without a cross-region profile's prefix (`us.`, `eu.`, `apac.`,
 * `global.`, ...).
 *
 * @example
 * baseModelId("us.anthropic.claude-sonnet-4-5-20250929-v1:0"); // "anthropic.claude-sonnet-4-5-20250929-v1:0"
 */
export function baseModelId(modelId: string): string {
  const id = modelId.startsWith("arn:") ? (modelId.split("/").at(-1) ?? modelId) : modelId;
  return id.replace(/^(?:us|eu|apac|ap|ca|jp|au|us-gov|global)\./, "");
}

/**
 * The row of the tables for `modelId` (a model id, an inference profile id or an ARN).
 *
 * @example
 * capabilitiesOf("meta.llama3-3-70b-instruct-v1:0").forcedToolChoice; // false
 */
export function capabilitiesOf(modelId: string): Capabilities {
  const id = baseModelId(modelId);
  const family: Family = families.find((f) => f.matches.test(id))?.family ?? "other";
  return table[family];
}

/**
 * The region of an ARN (`arn:aws:bedrock:<region>:...`), when `modelId` is one.
 *
 * @example
 * regionOfArn("arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-lite-v1:0"); // "eu-west-1"
 */
export function regionOfArn(modelId: string): string | undefined {
  const region = modelId.startsWith("arn:") ? modelId.split(":")[3] : undefined;
  return region === "" ? undefined : region;
}
