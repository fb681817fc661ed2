import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type * as z from "zod";
import { HttpError, type HttpErrorCode } from "./http.ts";
import { describeIssues } from "./schemas.ts";

/** The raw body as text (base64 decoded), or a 413 past `maxBytes`. */
export function bodyText(event: APIGatewayProxyEventV2, maxBytes: number): string {
  const raw = event.body ?? "";
  const text = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
  const size = Buffer.byteLength(text, "utf8");
  if (size > maxBytes) {
    throw new HttpError("payload_too_large", `body is ${size} bytes; the limit is ${maxBytes}`);
  }
  return text;
}

/** The JSON body, checked for size, syntax and shape: each failure is its own 4xx. */
export function readBody<S extends z.ZodType>(
  event: APIGatewayProxyEventV2,
  schema: S,
  maxBytes: number,
): z.output<S> {
  const text = bodyText(event, maxBytes);
  if (text.trim() === "") throw new HttpError("invalid_json", "body is empty; send a JSON object");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError("invalid_json", `body is not valid JSON: ${(error as Error).message}`);
  }
  return parse(schema, value, "invalid_body");
}

/** `value` parsed with `schema`, or a 400 naming every problem. */
export function parse<S extends z.ZodType>(
  schema: S,
  value: unknown,
  code: HttpErrorCode,
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(code, describeIssues(result.error));
  return result.data;
}

/** A header by case-insensitive name (API Gateway lower-cases them; be lenient anyway). */
export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}
