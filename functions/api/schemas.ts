import * as z from "zod";
import { ifRunningPolicies } from "../../shared/core/message.ts";
import { statuses } from "../../shared/core/thread.ts";
import { documentedAs } from "./openapi.ts";

/**
 * How deep launch metadata may nest (the metadata object is level 1). Metadata is a bag of labels;
 * a few thousand levels, which fit in a 64 KiB body, overflow the stack of `JSON.stringify` when
 * the thread is stored or read back, so such a launch would be accepted and then answer 500.
 */
export const MAX_METADATA_DEPTH = 32;

/** Launch metadata (`POST /threads` and the EventBridge trigger): a JSON object of labels. */
export const launchMetadata = z
  .unknown()
  .superRefine((value, context) => {
    if (value === null || typeof value !== "object") return; // the record below names the type
    // JSON.parse keeps a "__proto__" key as a field but zod's record drops it: refuse it rather
    // than store less than was sent.
    if (Object.hasOwn(value, "__proto__")) {
      context.addIssue({ code: "custom", message: 'the key "__proto__" is not allowed' });
    }
    if (deeperThan(value, MAX_METADATA_DEPTH)) {
      context.addIssue({
        code: "custom",
        message: `nests deeper than ${MAX_METADATA_DEPTH} levels`,
      });
    }
  })
  .pipe(z.record(z.string(), z.unknown()))
  // The JSON Schema of the OpenAPI document: the refinements above are not representable.
  .meta({
    type: "object",
    description: `a JSON object of labels, at most ${MAX_METADATA_DEPTH} levels deep`,
  });

/** `POST /threads`. Unknown fields are refused, so a typo is a 400, not a silent default. */
export const launchBody = z.strictObject({
  agent: z.string().min(1).max(64),
  message: z.string().min(1).max(32_000),
  metadata: launchMetadata.optional(),
});

const callId = z.string().min(1).max(128);

/** `POST /threads/{id}/responses`: an approval decision or a human's answer. */
export const responseBody = z.union([
  z.strictObject({
    callId,
    approved: z.boolean(),
    comment: z.string().max(4_000).optional(),
    argsHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "expected a sha256 hex digest (64 lowercase hex digits)")
      .optional(),
  }),
  z.strictObject({ callId, response: z.string().min(1).max(32_000) }),
  z.strictObject({
    callId,
    result: z
      .unknown()
      // Aborting, as a type check is: the inbox's intersection with `{threadId}` relies on the
      // union finding exactly one branch that fails only on keys.
      .refine((value) => value !== undefined, {
        message: "expected the callback's result",
        abort: true,
      })
      .describe("a callback tool's result, checked against the tool's result schema"),
  }),
]);

/**
 * `POST /callbacks/{token}`'s token: `<threadId>.<secret>` as a callback tool's `start` was
 * handed it. A token of another shape is answered as unknown (401), never parsed further.
 */
export const callbackToken = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,128}\.[A-Za-z0-9_-]{16,64}$/, "not a callback token");

/** `POST /callbacks/{token}`'s body: the call's result, checked against the tool's `result`. */
export const callbackBody = z.unknown().meta({
  description:
    "The callback tool's result as JSON; a tool with a `result` schema refuses any other shape (400, nothing written).",
});

/** `POST /threads/{id}/messages`: a person's next message to the conversation. */
export const messageBody = z.strictObject({
  message: z.string().min(1).max(32_000),
  ifRunning: z.enum(ifRunningPolicies).optional(),
});

/** `POST /threads/{id}/fork`; the body may be left out (a fork of the latest version). */
export const forkBody = z.strictObject({
  version: z.int().min(1).optional().describe("copy events 1..version; the latest by default"),
});

/** `POST /threads/{id}/cancel`; the body may be left out. */
export const cancelBody = z.strictObject({ reason: z.string().min(1).max(4_000).optional() });

/**
 * The one parser of an integer in a query string, for every route: decimal digits only (no sign,
 * exponent, hex, fraction or blank: `1e1`, `0x5`, `+5` and ` 5` are refused, not read as 10, 5
 * and 5), within `min..max`, the bounds named in the error. The OpenAPI document shows it as an
 * integer with those bounds, so a generated client sends numbers.
 *
 * @example
 * z.strictObject({ limit: queryInteger(1, 100).default(50) });
 */
export function queryInteger(min: number, max: number) {
  const expected = `expected an integer from ${min} to ${max}`;
  const schema = z.string().transform((text, context) => {
    const value = /^[0-9]{1,16}$/.test(text) ? Number(text) : Number.NaN;
    if (value >= min && value <= max) return value;
    context.addIssue({
      code: "custom",
      message: `${expected}, got ${JSON.stringify(text.slice(0, 32))}`,
    });
    return z.NEVER;
  });
  documentedAs.add(schema, { type: "integer", minimum: min, maximum: max });
  return schema;
}

/** `GET /threads?status=...&agent=...&limit=...&cursor=...`. */
export const listQuery = z.strictObject({
  // Omitted: every status, newest first.
  status: z.enum(statuses).optional(),
  agent: z.string().min(1).max(64).optional(),
  limit: queryInteger(1, 100).default(50),
  cursor: z.string().min(1).max(2_048).optional(),
});

/** `Idempotency-Key`: printable ASCII, as the IETF draft and most APIs accept. */
export const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,128}$/, "expected 1-128 printable ASCII characters");

/**
 * `POST /hooks/{source}`'s body: its format is the source's. The JSON text is read strictly
 * (`parseStrictJson`) after the signature over its raw bytes is checked.
 */
export const hookBody = z.unknown().meta({
  description:
    "A source without a `launch` template takes Twelve's own body: a launch `{agent, message, metadata?}` or an answer `{threadId, callId, approved, comment?}` / `{threadId, callId, response}`. A source with a template takes the sender's JSON payload as it is.",
});

/** The signature headers of each webhook format: a source uses its own format's, so none is required by all. */
const signatureHeader = (format: string, description: string) => ({
  schema: z.string(),
  required: false,
  description: `${format} sources: ${description}`,
});

/** `POST /hooks/{source}`'s headers, by the source's format (`WEBHOOK_SOURCES`). */
export const hookHeaders = {
  "X-Twelve-Timestamp": signatureHeader("`twelve`", "Unix seconds (required)"),
  "X-Twelve-Signature": signatureHeader(
    "`twelve`",
    'v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>"> (required)',
  ),
  "X-Hub-Signature-256": signatureHeader(
    "`github`",
    "sha256=<hex HMAC-SHA256 of the raw body> (required)",
  ),
  "X-GitHub-Delivery": signatureHeader("`github`", "the delivery's id (required)"),
  "Stripe-Signature": signatureHeader(
    "`stripe`",
    't=<Unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> (required)',
  ),
  "webhook-id": signatureHeader("`standard` (Standard Webhooks)", "the message id (required)"),
  "webhook-timestamp": signatureHeader("`standard` (Standard Webhooks)", "Unix seconds (required)"),
  "webhook-signature": signatureHeader(
    "`standard` (Standard Webhooks)",
    'v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>"> (required)',
  ),
  "Idempotency-Key": {
    schema: idempotencyKey,
    required: false,
    description:
      "a launch from a source whose format carries no delivery id of its own (`twelve`): a repeat with the same key answers the first launch's thread",
  },
} as const;

/** Thread ids this API hands out; anything else cannot exist. */
export const threadId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);

/**
 * Whether objects or arrays in `value` nest more than `limit` levels (`value` itself is level 1).
 * Iterative, because hostile input nests far deeper than the call stack reaches.
 */
function deeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [node, depth] = entry;
    if (node === null || typeof node !== "object") continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * What a parsed value is, for error messages: `body`, `query`, `header Idempotency-Key`,
 * `path id`. Each problem is named by where it sits (`body field "message"`,
 * `query parameter "status"`, `header Idempotency-Key`) and says what was expected.
 */
export type Subject = "body" | "query" | `header ${string}` | `path ${string}`;

/**
 * One clause per problem: `body field "message": expected string, received number; body field
 * "agent": missing, expected string`. `schema` (the one that failed) lets a union's failure say
 * which shapes it accepts and an unknown key say which ones exist.
 */
export function describeIssues(
  error: z.ZodError,
  subject: Subject = "body",
  schema?: z.ZodType,
): string {
  return error.issues.map((issue) => describeIssue(issue, subject, schema)).join("; ");
}

function describeIssue(issue: z.core.$ZodIssue, subject: Subject, schema?: z.ZodType): string {
  const where = locate(subject, issue.path);
  if (issue.code === "unrecognized_keys") {
    const what = subject === "query" ? "query parameter" : "field";
    const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
    const names = issue.keys.map((key) => JSON.stringify(key)).join(", ");
    const accepted = known.length ? `; expected only ${known.join(", ")}` : "";
    return `${where}: unknown ${what}${issue.keys.length > 1 ? "s" : ""} ${names}${accepted}`;
  }
  if (issue.code === "invalid_union") {
    const shapes = issue.path.length === 0 && schema instanceof z.ZodUnion ? schema.options : [];
    const accepted = shapes.map((option) => shapeOf(option as z.ZodType)).join(" or ");
    // The branch that came closest (fewest problems), if one did, says what to fix.
    const sizes = issue.errors.map((branch) => branch.length);
    const fewest = Math.min(...sizes);
    const closest = sizes.filter((size) => size === fewest).length === 1;
    const branch = closest ? issue.errors[sizes.indexOf(fewest)] : undefined;
    const detail = branch
      ? `; closest: ${branch.map((inner) => describeIssue({ ...inner, path: [...issue.path, ...inner.path] }, subject)).join("; ")}`
      : "";
    return `${where}: ${accepted ? `expected one of ${accepted}` : "matches none of the accepted shapes"}${detail}`;
  }
  return `${where}: ${explain(issue.message)}`;
}

function locate(subject: Subject, path: readonly PropertyKey[]): string {
  if (path.length === 0) return subject === "query" ? "query string" : subject;
  const name = JSON.stringify(path.map(String).join("."));
  if (subject === "body") return `body field ${name}`;
  if (subject === "query") return `query parameter ${name}`;
  return `${subject} ${name}`;
}

/** zod's message without its generic lead (`Invalid input: `), a missing value said so. */
function explain(message: string): string {
  const plain = message
    .replace(/^(Invalid input|Invalid option|Too small|Too big): /, "")
    .replace(/^expected record\b/, "expected object");
  const missing = /^expected (.+), received undefined$/.exec(plain);
  return missing ? `missing, expected ${missing[1]}` : plain;
}

/** `{callId, approved, comment?}`: the fields of an object schema, the optional ones marked. */
function shapeOf(schema: z.ZodType): string {
  if (!(schema instanceof z.ZodObject)) return "another shape";
  const fields = Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) =>
    field.safeParse(undefined).success ? `${name}?` : name,
  );
  return `{${fields.join(", ")}}`;
}
