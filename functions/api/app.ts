import { createHash, timingSafeEqual } from "node:crypto";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import {
  InvalidCursorError,
  NotPendingError,
  ThreadNotFoundError,
  TwelveError,
} from "../../shared/core/errors.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { UnknownAgentError } from "../../shared/runtime/errors.ts";
import { errorResponse, HttpError } from "./http.ts";
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
  const expectedKey = options.apiKey ? digest(options.apiKey) : null;
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    try {
      const method = event.requestContext?.http?.method ?? "";
      const path = event.rawPath ?? "";
      const match = matchRoute(method, path);
      if (match.route.auth && expectedKey && !authorized(event, expectedKey)) {
        throw new HttpError(
          401,
          "unauthorized",
          "missing or wrong bearer token (Authorization: Bearer <AGENT_API_KEY>)",
        );
      }
      return await match.route.handle({
        deps,
        event,
        params: match.params,
        maxBodyBytes: options.maxBodyBytes,
        webhooks: options.webhooks,
      });
    } catch (error) {
      const http = toHttpError(error);
      if (http) return errorResponse(http);
      options.logger.error("unhandled error", { error: error as Error });
      return errorResponse(
        new HttpError(500, "internal", "internal error; the request may be retried"),
      );
    }
  };
}

function authorized(event: APIGatewayProxyEventV2, expected: Buffer): boolean {
  const header = event.headers?.authorization ?? event.headers?.Authorization ?? "";
  const match = /^Bearer (.+)$/.exec(header);
  // Compare digests so the comparison takes the same time whatever the length of the guess.
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected);
}

const digest = (value: string): Buffer => createHash("sha256").update(value).digest();

function toHttpError(error: unknown): HttpError | null {
  if (error instanceof HttpError) return error;
  if (!(error instanceof TwelveError)) return null;
  if (error instanceof UnknownAgentError) return new HttpError(404, "unknown_agent", error.message);
  if (error instanceof ThreadNotFoundError)
    return new HttpError(404, "thread_not_found", error.message);
  if (error instanceof NotPendingError) {
    return new HttpError(409, "not_pending", error.message, { callId: error.callId });
  }
  if (error instanceof InvalidCursorError)
    return new HttpError(400, "invalid_cursor", error.message);
  return null;
}
