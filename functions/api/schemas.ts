import * as z from "zod";
import { statuses } from "../../shared/core/thread.ts";

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
  .pipe(z.record(z.string(), z.unknown()));

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
      .regex(/^[0-9a-f]{64}$/, "a sha256 hex digest")
      .optional(),
  }),
  z.strictObject({ callId, response: z.string().min(1).max(32_000) }),
]);

/** `POST /threads/{id}/cancel`; the body may be left out. */
export const cancelBody = z.strictObject({ reason: z.string().min(1).max(4_000).optional() });

/** `GET /threads?status=...&agent=...&limit=...&cursor=...`. */
export const listQuery = z.strictObject({
  // Omitted: every status, newest first.
  status: z.enum(statuses).optional(),
  agent: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().min(1).max(2_048).optional(),
});

/** `Idempotency-Key`: printable ASCII, as the IETF draft and most APIs accept. */
export const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,128}$/, "1-128 printable ASCII characters");

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

/** One line per problem: `agent: expected string; message: too small`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "body"}: ${issue.message}`)
    .join("; ");
}
