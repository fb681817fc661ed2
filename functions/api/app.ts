import type { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { ConfigError, type TwelveError } from "../../shared/core/errors.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import {
  type ApiKeys,
  bearerToken,
  checkKeyAgents,
  matchApiKey,
  scopeOf,
  UNNAMED_KEY,
} from "../api-keys.ts";
import type { ConsoleAssets } from "../console/serve.ts";
import { Guard } from "./guard.ts";
import { errorResponse, HttpError, httpStatusOf, internalError, saysWhy } from "./http.ts";
import { createMcpRoute, type McpSdkLoader, mcpRoute } from "./mcp/route.ts";
import { principalOf, scopeOfRequest } from "./principal.ts";
import type { Route } from "./route.ts";
import { matchRoute } from "./router.ts";
import { routes } from "./routes.ts";
import type { WebhookOptions } from "./webhooks.ts";

export interface ApiOptions {
  /**
   * Named keys: when set, every route but `GET /health` needs `Authorization: Bearer <key>` with
   * one of them, and the key's name is the request's principal. A key with a scope (`agents`,
   * `can`) is answered 403 outside it; its agents must be agents `deps` serves (a `ConfigError`).
   */
  apiKeys?: ApiKeys;
  /** One key, the same as `apiKeys: { "api-key": apiKey }`; not with `apiKeys`. */
  apiKey?: string;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  logger: Logger;
  /** Signed webhooks; without them every `/hooks/{source}` is a 404. */
  webhooks?: WebhookOptions;
  /** The web console's files (`buildConsole`), served at `/console`; without them a 404. */
  console?: ConsoleAssets;
  /**
   * How `POST /mcp` loads the MCP server SDK. Default: the installed `@modelcontextprotocol/server`
   * (a project without it answers `501 mcp_not_installed`).
   */
  mcpSdk?: McpSdkLoader;
}

/**
 * The HTTP API (API Gateway HTTP API v2 events), thin: parse, call the runtime, map typed errors
 * to the contract's 4xx answers. It never calls the model: it writes, enqueues and answers.
 */
export function createApiHandler(deps: RuntimeDeps, options: ApiOptions) {
  const apiKeys = keysOf(options);
  if (apiKeys) checkKeyAgents(apiKeys, deps.agents);
  const served = options.mcpSdk ? withMcpSdk(routes, options.mcpSdk) : routes;
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    try {
      const method = event.requestContext?.http?.method ?? "";
      const path = event.rawPath ?? "";
      const match = matchRoute(served, method, path);
      const keyName = apiKeys ? keyNameOf(event, apiKeys) : undefined;
      if (match.route.auth && apiKeys && keyName === undefined) {
        throw new HttpError(
          "unauthorized",
          "missing or wrong bearer token (Authorization: Bearer <a key of AGENT_API_KEYS or AGENT_API_KEY>)",
        );
      }
      const principal = principalOf(event, keyName);
      const guard = new Guard(
        principal,
        scopeOfRequest(event, keyName === undefined ? undefined : scopeOf(apiKeys?.[keyName])),
        options.logger,
      );
      // A verb the key lacks is refused before anything is read: no route learns more.
      if (match.route.verb)
        guard.check(match.route.verb, undefined, match.params.id?.slice(0, 128));
      return await match.route.handle({
        deps,
        event,
        principal,
        guard,
        params: match.params,
        maxBodyBytes: options.maxBodyBytes,
        webhooks: options.webhooks,
        consoleAssets: options.console,
      });
    } catch (error) {
      // The status comes from the error's code (HTTP_ERRORS); only a 4xx (or a 501: not served
      // here) says what went wrong.
      if (saysWhy(httpStatusOf(error))) return errorResponse(error as TwelveError);
      options.logger.error("unhandled error", { error: error as Error });
      return internalError();
    }
  };
}

/** `routes` with an MCP route that loads the SDK by `loader`. */
const withMcpSdk = (list: readonly Route[], loader: McpSdkLoader): readonly Route[] =>
  list.map((route) => (route === mcpRoute ? createMcpRoute(loader) : route));

function keysOf(options: ApiOptions): ApiKeys | undefined {
  if (options.apiKeys && options.apiKey) {
    throw new ConfigError("createApiHandler takes apiKeys or apiKey, not both");
  }
  if (options.apiKeys) return options.apiKeys;
  return options.apiKey ? { [UNNAMED_KEY]: options.apiKey } : undefined;
}

/** The name of the key the request's bearer token is, or undefined. */
function keyNameOf(event: APIGatewayProxyEventV2, apiKeys: ApiKeys): string | undefined {
  const token = bearerToken(event.headers?.authorization ?? event.headers?.Authorization);
  return token === undefined ? undefined : matchApiKey(token, apiKeys);
}
