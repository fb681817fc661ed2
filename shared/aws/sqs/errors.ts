import { registerErrorNames, TwelveError } from "../../core/errors.ts";

/**
 * A step message body that is not JSON or not `{threadId, version}`. The worker cannot act on it,
 * so retrying is pointless (terminal, code `invalid_step_message`): the worker drops it.
 *
 * @example
 * try {
 *   parseStepMessage(record.body);
 * } catch (error) {
 *   if (isRetryable(error)) throw error;
 *   logger.error("dropped an invalid step message", { error }); // a retry would fail the same way
 * }
 */
export class InvalidStepMessageError extends TwelveError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: "invalid_step_message" });
  }
}

/**
 * An SDK message lacks what a Lambda SQS record needs, almost always because it was received
 * without `MessageSystemAttributeNames: ["All"]`.
 *
 * @example
 * expect(() => toSqsRecord({ MessageId: "m-1" }, arn, "us-east-1")).toThrow(IncompleteSqsMessageError);
 */
export class IncompleteSqsMessageError extends TwelveError {
  readonly messageId: string | undefined;
  readonly missing: readonly string[];
  constructor(messageId: string | undefined, missing: readonly string[]) {
    super(
      `SQS message ${messageId ?? "(no id)"} lacks ${missing.join(", ")}: receive it with MessageSystemAttributeNames ["All"]`,
      { code: "incomplete_sqs_message" },
    );
    this.messageId = messageId;
    this.missing = missing;
  }
}

registerErrorNames({ InvalidStepMessageError, IncompleteSqsMessageError });
