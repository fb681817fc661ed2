import * as z from "zod";
import { jsonSetting, readEnv } from "../shared/config/read-env.ts";
import { ConfigError } from "../shared/core/errors.ts";
import { secretsEqual } from "./secrets.ts";

/** API keys by name (`{"alice": "<key>", "ci-bot": "<key>"}`): the name is the principal. */
export type ApiKeys = Readonly<Record<string, string>>;

/** The name of a key given without one (`AGENT_API_KEY`, a plain-string secret). */
export const UNNAMED_KEY = "api-key";

/** A key shorter than this is refused: it could be guessed. */
export const MIN_KEY_LENGTH = 16;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;

/** One key: what `AGENT_API_KEY` holds. */
export const apiKeySchema = z
  .string()
  .min(MIN_KEY_LENGTH, `must be at least ${MIN_KEY_LENGTH} characters`);

/**
 * The named keys as JSON text. Each problem is named by key name, never by key
 * (`AGENT_API_KEYS.alice: must be at least 16 characters`); names are 1-64 letters, digits and
 * `._@+-`, and no two names may share a key (who sent a request would be ambiguous).
 */
export const apiKeysJsonSchema = jsonSetting(
  z
    .custom<Record<string, unknown>>(
      (value) => typeof value === "object" && value !== null && !Array.isArray(value),
      'must be a JSON object of key name to key, e.g. {"alice": "<16+ chars>"}',
    )
    .superRefine((value, context) => {
      const names = Object.keys(value);
      if (names.length === 0) {
        context.addIssue({ code: "custom", message: "must name at least one key" });
      }
      const owner = new Map<string, string>();
      for (const name of names) {
        const key = value[name];
        if (name.trim() === "") {
          context.addIssue({ code: "custom", message: "a key name must not be empty" });
          continue;
        }
        if (!NAME.test(name)) {
          context.addIssue({
            code: "custom",
            path: [name],
            message:
              "a key name is 1-64 letters, digits and ._@+- (starting with a letter or digit)",
          });
        }
        if (typeof key !== "string") {
          context.addIssue({ code: "custom", path: [name], message: "the key must be a string" });
          continue;
        }
        if (key.length < MIN_KEY_LENGTH) {
          context.addIssue({
            code: "custom",
            path: [name],
            message: `must be at least ${MIN_KEY_LENGTH} characters`,
          });
        }
        const first = owner.get(key);
        if (first !== undefined) {
          context.addIssue({
            code: "custom",
            path: [name],
            message: `has the same key as ${first}: each name needs its own key`,
          });
        } else owner.set(key, name);
      }
    }),
  "must be a JSON object of key name to key",
).transform((value) => value as Record<string, string>);

const secretSchema = z.object({ API_KEY_SECRET: apiKeysJsonSchema });
const namedKeysEnv = z.object({ AGENT_API_KEYS: apiKeysJsonSchema.optional() });

/**
 * `AGENT_API_KEYS` alone, for a reader that needs no other setting (`twelve dev`): the named
 * keys, or undefined when unset.
 */
export function readNamedApiKeys(env: NodeJS.ProcessEnv = process.env): ApiKeys | undefined {
  return readEnv(namedKeysEnv, env).AGENT_API_KEYS;
}

/**
 * The keys an API-key secret holds: a JSON object of named keys, or (as before named keys) one
 * plain key, named `api-key`. Surrounding whitespace is ignored.
 *
 * @example
 * parseApiKeySecret('{"alice": "k3y-0f-at-least-16"}'); // { alice: "k3y-0f-at-least-16" }
 * parseApiKeySecret("k3y-0f-at-least-16");               // { "api-key": "k3y-0f-at-least-16" }
 */
export function parseApiKeySecret(raw: string): ApiKeys {
  const text = raw.trim();
  if (text.startsWith("{")) return readEnv(secretSchema, { API_KEY_SECRET: text }).API_KEY_SECRET;
  if (text.length < MIN_KEY_LENGTH) {
    throw new ConfigError(
      `invalid configuration: API_KEY_SECRET: must hold a key of at least ${MIN_KEY_LENGTH} characters or a JSON object of key name to key`,
    );
  }
  return { [UNNAMED_KEY]: text };
}

/**
 * The name of the key `token` is, or undefined. Every key is compared, each in constant time
 * (`secretsEqual`), so the time taken says nothing about which key, if any, came close.
 *
 * @example
 * matchApiKey(token, { alice: aliceKey, "ci-bot": botKey }); // "alice" for aliceKey
 */
export function matchApiKey(token: string, keys: ApiKeys): string | undefined {
  let matched: string | undefined;
  for (const [name, key] of Object.entries(keys)) {
    if (secretsEqual(token, key) && matched === undefined) matched = name;
  }
  return matched;
}

/** The bearer token of an `Authorization` header value; the scheme in any case (RFC 9110). */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer (.+)$/i.exec(header ?? "")?.[1];
}
