import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerResult,
} from "aws-lambda";
import { scopeToText } from "../api/scopes.ts";
import { type ApiKeys, bearerToken, matchApiKey, parseApiKeySecret, scopeOf } from "../api-keys.ts";

/**
 * A simple response; an allowed request carries the key's name, the API's `by.principal`, and,
 * for a key with a scope, that scope as JSON text (`scopeToText`; none: every agent and verb).
 */
export type AuthorizerResult = APIGatewaySimpleAuthorizerResult & {
  context?: { principal: string; scope?: string };
};

/**
 * The deployed HTTP API's Lambda authorizer (simple responses): a request passes when it carries
 * `Authorization: Bearer <key>` with one of the keys the secret text `readSecret` returns holds
 * (`parseApiKeySecret`: a JSON object of named keys, or one plain key named `api-key`), and the
 * key's name goes on to the API as `context.principal`, its scope (agents, verbs) as
 * `context.scope` when it has one. It answers the same question the API's
 * own `AGENT_API_KEYS` / `AGENT_API_KEY` check answers on the local stack.
 *
 * @example
 * const authorize = createAuthorizer(async () => '{"alice": "a-key-of-at-least-16-chars"}');
 * await authorize(event); // { isAuthorized: true, context: { principal: "alice" } }
 */
export function createAuthorizer(readSecret: () => Promise<string>) {
  // The secret text changes only on rotation: parse it once per value, not per request.
  let parsed: { raw: string; keys: ApiKeys } | undefined;
  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> => {
    // Payload format 2.0 lowercases header names.
    const token = bearerToken(event.headers?.authorization);
    if (token === undefined) return { isAuthorized: false };
    const raw = await readSecret();
    // A secret that holds no usable key fails loudly (a ConfigError) rather than compared with.
    if (parsed?.raw !== raw) parsed = { raw, keys: parseApiKeySecret(raw) };
    const principal = matchApiKey(token, parsed.keys);
    if (principal === undefined) return { isAuthorized: false };
    const entry = parsed.keys[principal];
    return {
      isAuthorized: true,
      context: {
        principal,
        ...(typeof entry === "object" ? { scope: scopeToText(scopeOf(entry)) } : {}),
      },
    };
  };
}
