import type { APIGatewayProxyEventV2 } from "aws-lambda";

/** What API Gateway puts in `requestContext.authorizer`, for either kind of authorizer. */
interface AuthorizerContext {
  /** A Lambda authorizer's `context` (simple responses). */
  lambda?: { principal?: unknown };
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
  const authorizer = (event.requestContext as { authorizer?: AuthorizerContext } | undefined)
    ?.authorizer;
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
