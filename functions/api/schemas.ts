import { z } from "zod";
import { statuses } from "../../shared/core/thread.ts";

/** `POST /threads`. Unknown fields are refused, so a typo is a 400, not a silent default. */
export const launchBody = z.strictObject({
  agent: z.string().min(1).max(64),
  message: z.string().min(1).max(32_000),
  metadata: z.record(z.string(), z.unknown()).optional(),
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

/** `GET /threads?status=...&agent=...&limit=...&cursor=...`. */
export const listQuery = z.strictObject({
  status: z.enum(statuses),
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

/** One line per problem: `agent: expected string; message: too small`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "body"}: ${issue.message}`)
    .join("; ");
}
