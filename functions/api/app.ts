import type { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { TwelveError } from "../../shared/core/errors.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { secretsEqual } from "../secrets.ts";
import { errorResponse, HttpError, httpStatusOf, internalError } from "./http.ts";
import { principalOf } from "./principal.ts";
import { matchRoute } from "./routes.ts";
import type { WebhookOptions } from "./webhooks.ts";

export interface ApiOptions {
  /** When set, every route but `GET /health` needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  logger: Logger;
  /** Signed webhooks; without them every `/hooks/{source}` is a 404. */
  webhooks?: WebhookOptions;
}

/**
 * The HTTP API (API Gateway HTTP API v2 events), thin: parse, call the runtime, map typed errors
 * to the contract's 4xx answers. It never calls the model: it writes, enqueues and answers.
 */
export function createApiHandler(deps: RuntimeDeps, options: ApiOptions) {
  const { apiKey } = options;
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    try {
      const method = event.requestContext?.http?.method ?? "";
      const path = event.rawPath ?? "";
      const match = matchRoute(method, path);
      if (match.route.auth && apiKey && !authorized(event, apiKey)) {
        throw new HttpError(
          "unauthorized",
          "missing or wrong bearer token (Authorization: Bearer <AGENT_API_KEY>)",
        );
      }
      return await match.route.handle({
        deps,
        event,
        principal: principalOf(event, apiKey),
        params: match.params,
        maxBodyBytes: options.maxBodyBytes,
        webhooks: options.webhooks,
      });
    } catch (error) {
      // The status comes from the error's code (HTTP_ERRORS); only a 4xx says what went wrong.
      if (httpStatusOf(error) < 500) return errorResponse(error as TwelveError);
      options.logger.error("unhandled error", { error: error as Error });
      return internalError();
    }
  };
}

function authorized(event: APIGatewayProxyEventV2, apiKey: string): boolean {
  const header = event.headers?.authorization ?? event.headers?.Authorization ?? "";
  // The auth scheme is case-insensitive (RFC 9110 §11.1): `bearer <key>` is the same token.
  const token = /^Bearer (.+)$/i.exec(header)?.[1];
  return token !== undefined && secretsEqual(token, apiKey);
}
