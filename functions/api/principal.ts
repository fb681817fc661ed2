import type { APIGatewayProxyEventV2 } from "aws-lambda";

/**
 * Who sent a request, as the events it causes record it (`by.principal`): the name the
 * deployed authorizer passed on, `api-key` for the local stack's one key, `anonymous` without
 * auth.
 */
export function principalOf(event: APIGatewayProxyEventV2, apiKey: string | undefined): string {
  const context = (event.requestContext as { authorizer?: { lambda?: { principal?: unknown } } })
    .authorizer?.lambda;
  if (typeof context?.principal === "string" && context.principal !== "") return context.principal;
  return apiKey ? "api-key" : "anonymous";
}
