import { createHash } from "node:crypto";
import * as z from "zod";
import { actor } from "../../core/events.ts";
import type { QueuedMessage, StepMessage } from "../../core/ports.ts";
import { InvalidStepMessageError } from "./errors.ts";

/**
 * The body of a step message: `{"threadId": "...", "version": 3}`. Unknown keys are dropped rather
 * than rejected, so a producer one release ahead (adding, say, a trace id) does not send every
 * message to the dead-letter queue.
 *
 * @example
 * const message = stepMessageSchema.parse({ threadId: "t-1", version: 3 });
 */
export const stepMessageSchema = z.object(
  {
    threadId: z
      .string({ error: "threadId must be a string" })
      .min(1, "threadId must not be empty")
      .max(128, "threadId must be at most 128 characters"),
    version: z
      .number({ error: "version must be a number" })
      .int("version must be an integer")
      .positive("version must be positive"),
    queued: z
      .object(
        {
          message: z.string({ error: "queued.message must be a string" }),
          at: z.iso.datetime({ error: "queued.at must be an ISO 8601 UTC time" }),
          by: actor.optional(),
        },
        { error: "queued must be an object" },
      )
      .optional(),
  },
  { error: "the body must be a JSON object" },
);

/**
 * Parses an SQS message body into a `StepMessage`, or throws `InvalidStepMessageError` naming what
 * is wrong (not JSON, not an object, which field and why).
 *
 * @example
 * const { threadId, version } = parseStepMessage(record.body);
 */
export function parseStepMessage(body: string): StepMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (cause) {
    throw new InvalidStepMessageError(
      `invalid step message: the body is not JSON (${excerpt(body)})`,
      { cause },
    );
  }
  return validateStepMessage(json);
}

/** Checks an already parsed value against `stepMessageSchema`; throws `InvalidStepMessageError`. */
export function validateStepMessage(value: unknown): StepMessage {
  const result = stepMessageSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => issue.message);
  throw new InvalidStepMessageError(`invalid step message: ${problems.join("; ")}`, {
    cause: result.error,
  });
}

/** The JSON body sent for `message`: only its known fields, in a fixed order. */
export const stepMessageBody = (message: StepMessage): string =>
  JSON.stringify({
    threadId: message.threadId,
    version: message.version,
    ...(message.queued ? { queued: queuedBody(message.queued) } : {}),
  });

const queuedBody = ({ message, at, by }: QueuedMessage) => ({
  message,
  at,
  ...(by ? { by: { principal: by.principal, via: by.via } } : {}),
});

/**
 * SQS takes 1 to 128 characters of alphanumerics and punctuation (printable ASCII minus space)
 * for `MessageGroupId` and `MessageDeduplicationId`.
 */
const FIFO_ID = /^[\x21-\x7e]{1,128}$/;

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/**
 * The FIFO group of a thread's steps: the thread id itself, so SQS keeps one step per thread in
 * flight and delivers them in order. A thread id SQS would refuse (spaces, non-ASCII) is replaced
 * by its SHA-256, which keeps the one-thread-one-group mapping.
 *
 * @example
 * messageGroupId("t-1"); // "t-1"
 */
export const messageGroupId = (threadId: string): string =>
  FIFO_ID.test(threadId) ? threadId : sha256(threadId);

/**
 * The deduplication id of a step: `<threadId>:<version>`, so a step enqueued twice within SQS's
 * five-minute window is delivered once. When that is too long (a thread id near 128 characters) or
 * holds characters SQS refuses, its SHA-256 hex is used; a hash has no colon, so it never equals a
 * plain id.
 *
 * @example
 * messageDeduplicationId({ threadId: "t-1", version: 3 }); // "t-1:3"
 */
export const messageDeduplicationId = (message: StepMessage): string => {
  // A queued message is its own: the hash of its body, never equal to a step's id.
  if (message.queued) return sha256(stepMessageBody(message));
  const plain = `${message.threadId}:${message.version}`;
  return FIFO_ID.test(plain) ? plain : sha256(plain);
};

const excerpt = (text: string): string =>
  text.length === 0
    ? "empty body"
    : JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
