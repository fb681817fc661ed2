import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import * as z from "zod";
import { isRetryable, registerErrorNames, TwelveError } from "../../shared/core/errors.ts";
import { answerCall } from "../../shared/runtime/callbacks.ts";
import type { RuntimeDeps } from "../../shared/runtime/deps.ts";
import { launchThread } from "../../shared/runtime/launch-thread.ts";
import { idempotencyKey, launchBody, responseBody, threadId } from "../api/schemas.ts";

/** A launch another system drops on the inbox: the API's launch body, and its own dedup key. */
const inboxLaunch = launchBody.extend({ idempotencyKey: idempotencyKey.optional() });
/** An answer to a pending call: the thread, and the API's response body. */
const inboxAnswer = z.intersection(z.object({ threadId }), responseBody);

export type InboxOutcome = "launched" | "answered" | "dead_lettered";

/**
 * The inbox (factor 11): other systems' background jobs send `{"agent", "message",
 * "metadata"?, "idempotencyKey"?}` to launch, or `{"threadId", "callId", ...decision or
 * response}` to answer, without calling the HTTP API. Partial batch failures (Powertools): a
 * message that failed for a reason a retry may get past comes back; one that can never be
 * processed (not JSON, a bad body, an unknown agent, an answered call) goes to the inbox's
 * dead-letter queue at once, with the reason logged and attached. A redelivered launch, known by
 * its `idempotencyKey` or else its SQS message id, launches nothing new.
 */
export function createInboxHandler(
  deps: RuntimeDeps,
  logger: Logger,
  options: {
    /** Moves a message that can never be processed to the dead-letter queue, with why. */
    deadLetter: (record: SQSRecord, reason: string) => Promise<void>;
  },
) {
  const handle = async (record: SQSRecord): Promise<InboxOutcome> => {
    // Who sent it: the AWS principal SQS names, through the inbox.
    const by = { principal: record.attributes.SenderId || "unknown", via: "inbox" };
    try {
      const body = parse(record.body);
      if ("agent" in body) {
        const { idempotencyKey: key, ...launch } = body;
        const launched = await launchThread(deps, {
          ...launch,
          idempotencyKey: `inbox:${key ?? record.messageId}`,
          by,
        });
        logger.info("inbox launch", { threadId: launched.threadId, created: launched.created });
        return "launched";
      }
      const { threadId: id, ...reply } = body;
      await answerCall(deps, id, reply, by);
      logger.info("inbox answer", { threadId: id, callId: reply.callId });
      return "answered";
    } catch (error) {
      if (isRetryable(error)) throw error;
      const reason = `${(error as TwelveError).code}: ${(error as TwelveError).message}`;
      logger.error("inbox message dead-lettered", { messageId: record.messageId, reason });
      await options.deadLetter(record, reason.slice(0, 1000));
      return "dead_lettered";
    }
  };
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, handle, new BatchProcessor(EventType.SQS), {
      context,
      throwOnFullBatchFailure: false,
    });
}

/** An inbox message's JSON, as a launch or an answer; a `TwelveError` (terminal) otherwise. */
function parse(text: string): z.output<typeof inboxLaunch> | z.output<typeof inboxAnswer> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InboxMessageError("the message is not JSON");
  }
  const isLaunch = typeof value === "object" && value !== null && "agent" in value;
  const result = (isLaunch ? inboxLaunch : inboxAnswer).safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`,
  );
  throw new InboxMessageError(
    `not a ${isLaunch ? "launch {agent, message, metadata?, idempotencyKey?}" : "answer {threadId, callId, ...}"}: ${problems.join("; ")}`,
  );
}

/** An inbox message no retry can process: not JSON, or not a launch or an answer. */
export class InboxMessageError extends TwelveError {
  constructor(message: string) {
    super(message, { code: "invalid_message" });
  }
}
registerErrorNames({ InboxMessageError });
