import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type * as z from "zod";
import { HttpError, type HttpErrorCode } from "./http.ts";
import { describeIssues, type Subject } from "./schemas.ts";
import { parseStrictJson } from "./strict-json.ts";

// `fatal`: a byte sequence that is not UTF-8 is refused rather than stored as U+FFFD.
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The raw body as text (base64 decoded), a 413 past `maxBytes`, a 400 when it is not UTF-8. */
export function bodyText(event: APIGatewayProxyEventV2, maxBytes: number): string {
  const raw = event.body ?? "";
  const bytes = event.isBase64Encoded ? Buffer.from(raw, "base64") : Buffer.from(raw, "utf8");
  if (bytes.length > maxBytes) {
    throw new HttpError(
      "payload_too_large",
      `body is ${bytes.length} bytes; the limit is ${maxBytes}`,
    );
  }
  if (!event.isBase64Encoded) return raw;
  try {
    return utf8.decode(bytes);
  } catch {
    throw new HttpError("invalid_encoding", "body is not valid UTF-8; send UTF-8 encoded JSON");
  }
}

/**
 * The JSON body, checked for size, encoding, syntax (duplicate keys and numbers past a 64-bit
 * float refused: `parseStrictJson`) and shape: each failure is its own 4xx.
 */
export function readBody<S extends z.ZodType>(
  event: APIGatewayProxyEventV2,
  schema: S,
  maxBytes: number,
): z.output<S> {
  const text = bodyText(event, maxBytes);
  if (text.trim() === "") throw new HttpError("invalid_json", "body is empty; send a JSON object");
  return parse(schema, parseStrictJson(text), "invalid_body", "body");
}

/**
 * `value` parsed with `schema`, or a 400 naming every problem and where it is: `subject` says
 * what `value` is (`body`, `query`, `header Idempotency-Key`, `path id`).
 *
 * @example
 * parse(idempotencyKey, raw, "invalid_header", "header Idempotency-Key");
 */
export function parse<S extends z.ZodType>(
  schema: S,
  value: unknown,
  code: HttpErrorCode,
  subject: Subject = "body",
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(code, describeIssues(result.error, subject, schema));
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
