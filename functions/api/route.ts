import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import type { ConsoleAssets } from "../console/serve.ts";
import type { Guard } from "./guard.ts";
import type { RouteDocs } from "./openapi.ts";
import type { Verb } from "./scopes.ts";
import type { WebhookOptions } from "./webhooks.ts";

/**
 * What a route of the HTTP API is and what it is handed. Its own module so the route modules
 * (threads, Slack, email pages) and the router import these types without importing each other.
 */
export interface RouteContext {
  deps: RuntimeDeps;
  event: APIGatewayProxyEventV2;
  /** Who sent the request (`principalOf`): the `by.principal` of the events it causes. */
  principal: string;
  /** What the request's key may do, and the checks that refuse the rest (403, or 404). */
  guard: Guard;
  params: Record<string, string>;
  maxBodyBytes: number;
  webhooks: WebhookOptions | undefined;
  /** The web console's files; without them `/console` is a 404. */
  consoleAssets: ConsoleAssets | undefined;
}

export interface Route {
  method: string;
  /** Path segments; `{name}` captures one segment. */
  path: string;
  auth: boolean;
  /** The verb a key needs for the route: checked before the route reads anything. */
  verb?: Verb;
  /**
   * In AWS, no authorizer, and why: the function verifies the request itself (signed webhooks),
   * or the route serves public files (the console, whose API calls carry the key).
   */
  openAtGateway?: { reason: string };
  handle(context: RouteContext): Promise<APIGatewayProxyStructuredResultV2>;
  /** What `GET /openapi.json` says of the route: its request schemas and its answers. */
  docs?: RouteDocs;
}
