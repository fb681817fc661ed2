import * as z from "zod";
import { readEnv } from "../shared/config/read-env.ts";

const schema = z.object({
  TABLE_NAME: z.string().min(1),
  // Not z.url(): emulators hand out queue URLs such as http://sqs.us-east-1.127.0.0.1:9324/...
  STEP_QUEUE_URL: z.string().regex(/^https?:\/\/\S+$/, "must be an http(s) queue URL"),
  EVENT_BUS_NAME: z.string().min(1),
  /** Base URL of the HTTP API, for the links in notifications. */
  PUBLIC_URL: z.string().default(""),
  AGENT_API_KEY: z.string().min(16, "must be at least 16 characters").optional(),
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
  THREAD_RETENTION_DAYS: z.coerce
    .number({ error: "must be a positive integer" })
    .int()
    .positive()
    .default(90),
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
