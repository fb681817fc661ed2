import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/** An error with its HTTP status: thrown by routes, turned into the JSON error shape at the edge. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(
    status: number,
    code: string,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
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

/** The contract's error shape: `{"error": {"code", "message", ...}}`. */
export const errorResponse = (error: HttpError): APIGatewayProxyStructuredResultV2 =>
  json(
    error.status,
    { error: { code: error.code, message: error.message, ...error.details } },
    error.status === 401 ? { "www-authenticate": 'Bearer realm="twelve"' } : {},
  );
