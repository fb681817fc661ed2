import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { FULL_SCOPE, type Scope, scopeFromText } from "./scopes.ts";

/** What API Gateway puts in `requestContext.authorizer`, for either kind of authorizer. */
interface AuthorizerContext {
  /** A Lambda authorizer's `context` (simple responses). */
  lambda?: { principal?: unknown; scope?: unknown };
  /** The HTTP API's JWT authorizer: the token's claims, every value as a string. */
  jwt?: { claims?: Record<string, unknown> };
}

/**
 * Who sent a request, as the events it causes record it (`by.principal`), first found of:
 * - the `principal` the deployed Lambda authorizer passed on: the name of the API key that
 *   matched (`api-key` for a single unnamed key);
 * - the JWT authorizer's claims: `sub`, or `"<sub> <email>"` when the token has an email (`sub`
 *   is the stable identity, the email is there for the person reading the thread);
 * - `keyName`, the name of the key the local stack's own check matched;
 * - `anonymous` (no auth, or a route open without it).
 *
 * @example
 * principalOf(event, "ci-bot"); // "ci-bot" on the local stack
 */
export function principalOf(event: APIGatewayProxyEventV2, keyName: string | undefined): string {
  const authorizer = authorizerOf(event);
  const named = authorizer?.lambda?.principal;
  if (typeof named === "string" && named !== "") return named;
  const claims = authorizer?.jwt?.claims;
  const sub = claims?.sub;
  if (typeof sub === "string" && sub !== "") {
    const email = claims?.email;
    return typeof email === "string" && email !== "" ? `${sub} ${email}` : sub;
  }
  return keyName ?? "anonymous";
}

const authorizerOf = (event: APIGatewayProxyEventV2): AuthorizerContext | undefined =>
  (event.requestContext as { authorizer?: AuthorizerContext } | undefined)?.authorizer;

/**
 * What the request's key may do, first found of:
 * - the `scope` the deployed Lambda authorizer passed on (JSON text, `scopeToText`); a key
 *   without one may do everything, and text that does not read as a scope grants nothing;
 * - `keyScope`, the scope of the key the local stack's own check matched;
 * - everything (a JWT, no auth, or a route open without it).
 *
 * @example
 * scopeOfRequest(event, { can: ["read"] }); // { can: ["read"] } on the local stack
 */
export function scopeOfRequest(event: APIGatewayProxyEventV2, keyScope: Scope | undefined): Scope {
  const lambda = authorizerOf(event)?.lambda;
  if (typeof lambda?.principal === "string" && lambda.principal !== "") {
    return lambda.scope === undefined
      ? FULL_SCOPE
      : scopeFromText(typeof lambda.scope === "string" ? lambda.scope : "");
  }
  return keyScope ?? FULL_SCOPE;
}
