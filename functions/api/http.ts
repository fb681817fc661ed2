import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { registerErrorNames, TwelveError } from "../../shared/core/errors.ts";

/**
 * The one table from error `code` to HTTP answer. `fields` names the properties of a domain
 * error the answer carries beside `code` and `message` (an `HttpError` brings its own
 * `details`). A 5xx is a failure of ours: it is logged and
 * answered as `internal`, without its message; a code missing here (an error of the user's own)
 * is one too. 501 is the exception: the deployment does not serve the route by its configuration
 * (see `saysWhy`).
 */
export const HTTP_ERRORS = {
  // The request itself is wrong.
  invalid_json: { status: 400 },
  invalid_body: { status: 400 },
  invalid_encoding: { status: 400 },
  invalid_header: { status: 400 },
  invalid_query: { status: 400 },
  invalid_cursor: { status: 400 },
  invalid_version: { status: 400 },
  // The launch's metadata does not pass the agent's run context schema (`field` says where).
  invalid_metadata: { status: 400, fields: ["field"] },
  invalid_result: { status: 400, fields: ["field"] },
  // Not let in: no bearer key, or a webhook whose signature does not hold.
  unauthorized: { status: 401 },
  invalid_callback_token: { status: 401 },
  unsigned: { status: 401 },
  stale_signature: { status: 401 },
  bad_signature: { status: 401 },
  replayed: { status: 401 },
  // Let in, but the key's scope does not cover the verb or the agent (`missing` says which).
  forbidden: { status: 403, fields: ["missing"] },
  // Nothing there.
  route_not_found: { status: 404 },
  thread_not_found: { status: 404 },
  unknown_agent: { status: 404 },
  unknown_source: { status: 404 },
  method_not_allowed: { status: 405 },
  not_pending: { status: 409, fields: ["callId"] },
  thread_closed: { status: 409, fields: ["status"] },
  approval_pending: { status: 409, fields: ["callId"] },
  thread_busy: { status: 409 },
  // A thread holds as many messages waiting for its step in flight as it may.
  queue_full: { status: 409 },
  // Lost every try of a race for the thread (many writers at once): send it again (Retry-After).
  version_conflict: { status: 409 },
  payload_too_large: { status: 413 },
  // An event of the request would not fit a DynamoDB item, and no payload bucket is configured.
  event_too_large: { status: 413 },
  idempotency_key_reused: { status: 422 },
  // Not served here by configuration: `POST /mcp` without the MCP server SDK installed.
  mcp_not_installed: { status: 501 },
  // Failures of ours.
  internal: { status: 500 },
  invalid_config: { status: 500 },
  model_failed: { status: 500 },
  script_mismatch: { status: 500 },
  corrupt_thread: { status: 500 },
  too_many_events: { status: 500 },
  event_not_published: { status: 500 },
  invalid_step_message: { status: 500 },
  incomplete_sqs_message: { status: 500 },
} as const satisfies Record<string, { status: number; fields?: readonly string[] }>;

export type HttpErrorCode = keyof typeof HTTP_ERRORS;

/**
 * Whether an answer of this status says what went wrong: a 4xx, or a 501 (the deployment does not
 * serve the route, by its configuration: nothing to retry, nothing of ours failed). Any other 5xx
 * is a failure of ours, logged and answered as `internal`.
 */
export const saysWhy = (status: number): boolean => status < 500 || status === 501;

/** The table's row for `code`; a code it does not know answers as a failure of ours. */
export const httpErrorOf = (code: string): { status: number; fields?: readonly string[] } =>
  Object.hasOwn(HTTP_ERRORS, code) ? HTTP_ERRORS[code as HttpErrorCode] : HTTP_ERRORS.internal;

/**
 * An error of the HTTP edge itself (a body too large, a route that does not exist): thrown by
 * routes, turned into the JSON error shape at the edge. Its status comes from `HTTP_ERRORS`.
 *
 * @example
 * throw new HttpError("payload_too_large", `body is ${size} bytes; the limit is ${limit}`);
 */
export class HttpError extends TwelveError {
  readonly status: number;
  /** Extra fields of the answer, beside `code` and `message`. */
  readonly details: Record<string, unknown>;
  constructor(code: HttpErrorCode, message: string, details: Record<string, unknown> = {}) {
    const { status } = HTTP_ERRORS[code];
    super(message, { code, retryable: !saysWhy(status) });
    this.status = status;
    this.details = details;
  }
}

export const json = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { "content-type": "application/json; charset=utf-8", ...headers },
  body: JSON.stringify(body),
});

/** The HTTP status `error` answers with: 500 for anything whose code the table does not hold. */
export const httpStatusOf = (error: unknown): number =>
  error instanceof TwelveError ? httpErrorOf(error.code).status : 500;

/**
 * The contract's error shape, `{"error": {"code", "message", ...}}`, for an error whose status
 * says why (`saysWhy`: a 4xx or 501; any other 5xx answers with `internalError()`).
 */
export function errorResponse(error: TwelveError): APIGatewayProxyStructuredResultV2 {
  const { status, fields = [] } = httpErrorOf(error.code);
  const own = error as unknown as Record<string, unknown>;
  const carried = Object.fromEntries(
    fields.filter((field) => own[field] !== undefined).map((field) => [field, own[field]]),
  );
  const details = error instanceof HttpError ? error.details : {};
  return json(
    status,
    { error: { code: error.code, message: error.message, ...carried, ...details } },
    {
      ...(status === 401 ? { "www-authenticate": 'Bearer realm="twelve"' } : {}),
      ...retryAfter(error.code),
      // A 405 names the methods the path takes (RFC 9110).
      ...(Array.isArray(details.allowed) ? { allow: details.allowed.join(", ") } : {}),
    },
  );
}

/** Seconds to wait before sending again, for the answers a client should simply repeat. */
const RETRY_AFTER_SECONDS: Partial<Record<HttpErrorCode, number>> = { version_conflict: 1 };

const retryAfter = (code: string): Record<string, string> => {
  const seconds = Object.hasOwn(RETRY_AFTER_SECONDS, code)
    ? RETRY_AFTER_SECONDS[code as HttpErrorCode]
    : undefined;
  return seconds === undefined ? {} : { "retry-after": String(seconds) };
};

/** The answer to a failure of ours: no detail leaves the function (the log has it). */
export const internalError = (): APIGatewayProxyStructuredResultV2 =>
  errorResponse(new HttpError("internal", "internal error; the request may be retried"));

registerErrorNames({ HttpError });
