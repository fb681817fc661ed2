import * as z from "zod";
import { MAX_PAYLOAD_THRESHOLD_BYTES } from "../shared/aws/dynamo/payloads.ts";
import { jsonSetting, readEnv } from "../shared/config/read-env.ts";
import { type ApiKeys, apiKeySchema, apiKeysJsonSchema, UNNAMED_KEY } from "./api-keys.ts";

/**
 * The payload bucket's settings, read by every function that holds the thread store (the
 * runtime's and the reaper): without `PAYLOAD_BUCKET` an event must fit its DynamoDB item.
 */
export const payloadFields = z.object({
  /** The S3 bucket where event data over `PAYLOAD_THRESHOLD_BYTES` is kept. */
  PAYLOAD_BUCKET: z.string().min(1).optional(),
  /** Data whose JSON text is longer than this many bytes goes to the bucket. Default 32,768. */
  PAYLOAD_THRESHOLD_BYTES: z.coerce
    .number({ error: "must be a positive integer" })
    .int()
    .positive()
    .max(MAX_PAYLOAD_THRESHOLD_BYTES, {
      error: `must be at most ${MAX_PAYLOAD_THRESHOLD_BYTES} (an event item holds 400 KB)`,
    })
    .optional(),
  /** `true` for path-style S3 URLs (an emulator on 127.0.0.1, such as the local stack's fauxqs). */
  S3_FORCE_PATH_STYLE: z
    .enum(["true", "false"], { error: 'must be "true" or "false"' })
    .transform((value) => value === "true")
    .optional(),
});

const fields = z.object({
  TABLE_NAME: z.string().min(1),
  // Not z.url(): emulators hand out queue URLs such as http://sqs.us-east-1.127.0.0.1:9324/...
  STEP_QUEUE_URL: z.string().regex(/^https?:\/\/\S+$/, "must be an http(s) queue URL"),
  EVENT_BUS_NAME: z.string().min(1),
  /** Base URL of the HTTP API, for the links in notifications. */
  PUBLIC_URL: z.string().default(""),
  /** One key, named `api-key` (the principal of the requests it signs). */
  AGENT_API_KEY: apiKeySchema.optional(),
  /** Named keys, JSON `{"alice": "<key>", "ci-bot": "<key>"}`: the name is the principal. */
  AGENT_API_KEYS: apiKeysJsonSchema.optional(),
  /**
   * A Secrets Manager secret whose value is the OpenAI API key: how the deployed worker gets the
   * key without putting it in its environment.
   */
  OPENAI_API_KEY_SECRET_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:secretsmanager:\S+$/, "must be a Secrets Manager secret ARN")
    .optional(),
  MAX_BODY_BYTES: z.coerce
    .number({ error: "must be a positive integer" })
    .int()
    .positive()
    .default(65_536),
  /**
   * Model prices for the cost estimate, JSON `{"<model>": {"inputPerMillion": 0.15,
   * "outputPerMillion": 0.6}}` in USD per million tokens, merged over the built-in table.
   */
  MODEL_PRICES: jsonSetting(
    z.record(
      z.string().min(1),
      z.object({
        inputPerMillion: z.number().nonnegative(),
        outputPerMillion: z.number().nonnegative(),
      }),
    ),
    'must be JSON {"<model>": {"inputPerMillion": <usd>, "outputPerMillion": <usd>}}',
  ).optional(),
  THREAD_RETENTION_DAYS: z.coerce
    .number({ error: "must be a positive integer" })
    .int()
    .positive()
    .default(90),
  ...payloadFields.shape,
});

// Refused rather than merged: with both set, which key the deployment means is a guess.
const schema = fields.refine((config) => !(config.AGENT_API_KEY && config.AGENT_API_KEYS), {
  path: ["AGENT_API_KEYS"],
  message: `set AGENT_API_KEY or AGENT_API_KEYS, not both (AGENT_API_KEY is the key named "${UNNAMED_KEY}": add it to AGENT_API_KEYS under that name)`,
});

export type RuntimeConfig = z.output<typeof schema>;

/**
 * The handlers' configuration, read once and validated (`readEnv`: an empty variable is unset);
 * a bad key fails loudly by name.
 *
 * @example
 * const config = readConfig(); // ConfigError "invalid configuration: TABLE_NAME: is required"
 */
export function readConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  return readEnv(schema, env);
}

/**
 * The API keys a configuration names, by name: `AGENT_API_KEYS`, or `AGENT_API_KEY` as the key
 * named `api-key`; undefined when neither is set (no auth).
 *
 * @example
 * apiKeysOf(readConfig()); // { alice: "…", "ci-bot": "…" }
 */
export function apiKeysOf(config: RuntimeConfig): ApiKeys | undefined {
  if (config.AGENT_API_KEYS) return config.AGENT_API_KEYS;
  return config.AGENT_API_KEY ? { [UNNAMED_KEY]: config.AGENT_API_KEY } : undefined;
}
