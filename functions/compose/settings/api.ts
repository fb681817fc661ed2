import * as z from "zod";
import { type RawSettings, readEnv } from "../../../shared/config/read-env.ts";
import {
  type ApiKeys,
  apiKeySchema,
  apiKeysJsonSchema,
  apiKeysSchema,
  UNNAMED_KEY,
} from "../../api-keys.ts";

/** The section's schema, its named keys given as JSON text (the environment) or an object (code). */
const schemaOf = (keys: typeof apiKeysJsonSchema | typeof apiKeysSchema) =>
  z
    .object({
      /** One key, named `api-key` (the principal of the requests it signs). */
      AGENT_API_KEY: apiKeySchema.optional(),
      /** Named keys, JSON `{"alice": "<key>", "ci-bot": "<key>"}`: the name is the principal. */
      AGENT_API_KEYS: keys.optional(),
      MAX_BODY_BYTES: z.coerce
        .number({ error: "must be a positive integer" })
        .int()
        .positive()
        .default(65_536),
      /** The authorizer's keys: a Secrets Manager secret (JSON name -> key, or one plain key). */
      API_KEY_SECRET_ARN: z.string().min(1).optional(),
    })
    // Refused rather than merged: with both set, which key the deployment means is a guess.
    .refine((read) => !(read.AGENT_API_KEY && read.AGENT_API_KEYS), {
      path: ["AGENT_API_KEYS"],
      message: `set AGENT_API_KEY or AGENT_API_KEYS, not both (AGENT_API_KEY is the key named "${UNNAMED_KEY}": add it to AGENT_API_KEYS under that name)`,
    });

/** The HTTP API's settings. */
export interface ApiSettings {
  /**
   * The keys by name (the name is the request's principal); none: no auth (deployed, the
   * gateway's authorizer checks the keys of `keySecretArn` instead).
   */
  apiKeys?: ApiKeys | undefined;
  /** Largest request body accepted, in bytes. Default 65,536. */
  maxBodyBytes: number;
  /** The authorizer's secret of keys. */
  keySecretArn?: string | undefined;
}

const fromEnvironment = schemaOf(apiKeysJsonSchema);
const fromCode = schemaOf(apiKeysSchema);

/**
 * `AGENT_API_KEY` or `AGENT_API_KEYS`, `MAX_BODY_BYTES`, `API_KEY_SECRET_ARN`. `AGENT_API_KEYS`
 * is JSON text in the environment; a host that has the keys as an object (`twelve dev`) hands
 * the object, checked by the same rules.
 */
export function readApiSettings(env: RawSettings): ApiSettings {
  const read = readEnv(typeof env.AGENT_API_KEYS === "object" ? fromCode : fromEnvironment, env);
  const apiKeys =
    read.AGENT_API_KEYS ?? (read.AGENT_API_KEY ? { [UNNAMED_KEY]: read.AGENT_API_KEY } : undefined);
  return {
    apiKeys,
    maxBodyBytes: read.MAX_BODY_BYTES,
    keySecretArn: read.API_KEY_SECRET_ARN,
  };
}
