import * as z from "zod";
import { jsonSetting, readEnv } from "../shared/config/read-env.ts";
import { ConfigError } from "../shared/core/errors.ts";
import { isVerb, type Scope, VERBS, type Verb } from "./api/scopes.ts";
import { secretsEqual } from "./secrets.ts";

/**
 * A key with a scope: the agents it may use and what it may do with their threads (`read`,
 * `launch`, `message`, `decide`, `cancel`, `fork`, `delete`). A field left out means every
 * agent, or every verb.
 */
export interface ApiKeyGrant {
  key: string;
  agents?: readonly string[];
  can?: readonly Verb[];
}

/**
 * API keys by name: the name is the principal. A plain string is a key that may do everything
 * (`{"alice": "<key>"}`, as before scopes); an object gives it a scope
 * (`{"desk": {"key": "<key>", "agents": ["refunds"], "can": ["read", "decide"]}}`).
 */
export type ApiKeys = Readonly<Record<string, string | ApiKeyGrant>>;

/** The key itself of an entry of `ApiKeys`. */
export const keyOf = (entry: string | ApiKeyGrant): string =>
  typeof entry === "string" ? entry : entry.key;

/** The scope of an entry of `ApiKeys`: everything for a plain string. */
export const scopeOf = (entry: string | ApiKeyGrant | undefined): Scope =>
  typeof entry === "object"
    ? {
        ...(entry.agents ? { agents: entry.agents } : {}),
        ...(entry.can ? { can: entry.can } : {}),
      }
    : {};

/** The name of a key given without one (`AGENT_API_KEY`, a plain-string secret). */
export const UNNAMED_KEY = "api-key";

/** A key shorter than this is refused: it could be guessed. */
export const MIN_KEY_LENGTH = 16;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;

/** One key: what `AGENT_API_KEY` holds. */
export const apiKeySchema = z
  .string()
  .min(MIN_KEY_LENGTH, `must be at least ${MIN_KEY_LENGTH} characters`);

type Issues = { addIssue(issue: { code: "custom"; path?: PropertyKey[]; message: string }): void };

const GRANT_FIELDS = ["key", "agents", "can"];

/**
 * The problems of one entry's scope fields, each named by key name and field, never by key:
 * unknown fields, lists that are empty or not lists of strings, verbs that do not exist.
 */
function checkGrant(name: string, grant: Record<string, unknown>, context: Issues): void {
  for (const field of Object.keys(grant)) {
    if (!GRANT_FIELDS.includes(field)) {
      context.addIssue({
        code: "custom",
        path: [name],
        message: `unknown field "${field}"; a key is {"key", "agents"?, "can"?}`,
      });
    }
  }
  const list = (field: "agents" | "can", what: string): string[] | undefined => {
    const value = grant[field];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
      context.addIssue({
        code: "custom",
        path: [name, field],
        message: `must be a list of ${what} names`,
      });
      return undefined;
    }
    if (value.length === 0) {
      context.addIssue({
        code: "custom",
        path: [name, field],
        message: `must name at least one ${what}; leave "${field}" out for every ${what}`,
      });
    }
    return value;
  };
  list("agents", "agent");
  for (const verb of list("can", "verb") ?? []) {
    if (!isVerb(verb)) {
      context.addIssue({
        code: "custom",
        path: [name, "can"],
        message: `unknown verb ${JSON.stringify(verb.slice(0, 32))}; the verbs are ${VERBS.join(", ")}`,
      });
    }
  }
}

const apiKeysObject = z
  .custom<Record<string, unknown>>(
    (value) => typeof value === "object" && value !== null && !Array.isArray(value),
    'must be a JSON object of key name to key, e.g. {"alice": "<16+ chars>"} or {"desk": {"key": "<16+ chars>", "agents": [...], "can": [...]}}',
  )
  .superRefine((value, context) => {
    const names = Object.keys(value);
    if (names.length === 0) {
      context.addIssue({ code: "custom", message: "must name at least one key" });
    }
    const owner = new Map<string, string>();
    for (const name of names) {
      const entry = value[name];
      if (name.trim() === "") {
        context.addIssue({ code: "custom", message: "a key name must not be empty" });
        continue;
      }
      if (!NAME.test(name)) {
        context.addIssue({
          code: "custom",
          path: [name],
          message: "a key name is 1-64 letters, digits and ._@+- (starting with a letter or digit)",
        });
      }
      const grant =
        typeof entry === "object" && entry !== null && !Array.isArray(entry)
          ? (entry as Record<string, unknown>)
          : undefined;
      if (grant) checkGrant(name, grant, context);
      const key = grant ? grant.key : entry;
      if (typeof key !== "string") {
        context.addIssue({
          code: "custom",
          path: grant ? [name, "key"] : [name],
          message: grant
            ? "the key must be a string"
            : 'the key must be a string, or {"key", "agents"?, "can"?}',
        });
        continue;
      }
      if (key.length < MIN_KEY_LENGTH) {
        context.addIssue({
          code: "custom",
          path: grant ? [name, "key"] : [name],
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
  });

/** The named keys as an object (a host that hands them in code: `twelve dev`), by the same rules. */
export const apiKeysSchema = apiKeysObject.transform(
  (value) => value as Record<string, string | ApiKeyGrant>,
);

/**
 * The named keys as JSON text. Each problem is named by key name, never by key
 * (`AGENT_API_KEYS.alice: must be at least 16 characters`,
 * `AGENT_API_KEYS.desk.can: unknown verb "approve"; ...`); names are 1-64 letters, digits and
 * `._@+-`, and no two names may share a key (who sent a request would be ambiguous).
 */
export const apiKeysJsonSchema = jsonSetting(
  apiKeysObject,
  "must be a JSON object of key name to key",
).transform((value) => value as Record<string, string | ApiKeyGrant>);

/**
 * Refuses keys scoped to agents this deployment does not serve, in one line naming the key name
 * and the agent (a typo there would lock the key out of everything, silently).
 *
 * @example
 * checkKeyAgents({ desk: { key, agents: ["refundz"] } }, deps.agents); // serving "refunds"
 * // ConfigError 'invalid configuration: AGENT_API_KEYS.desk.agents: unknown agent "refundz" ...'
 */
export function checkKeyAgents(keys: ApiKeys, served: ReadonlyMap<string, unknown>): void {
  const problems = Object.entries(keys).flatMap(([name, entry]) =>
    (scopeOf(entry).agents ?? [])
      .filter((agent) => !served.has(agent))
      .map(
        (agent) =>
          `AGENT_API_KEYS.${name}.agents: unknown agent ${JSON.stringify(agent)} (served: ${[...served.keys()].join(", ")})`,
      ),
  );
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
}

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
  for (const [name, entry] of Object.entries(keys)) {
    if (secretsEqual(token, keyOf(entry)) && matched === undefined) matched = name;
  }
  return matched;
}

/** The bearer token of an `Authorization` header value; the scheme in any case (RFC 9110). */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer (.+)$/i.exec(header ?? "")?.[1];
}
