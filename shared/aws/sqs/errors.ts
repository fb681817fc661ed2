import { TwelveError } from "../../core/errors.ts";

/**
 * A step message body that is not JSON or not `{threadId, version}`. The worker cannot act on it,
 * so retrying is pointless: it belongs in the dead-letter queue (or the batch failure list).
 *
 * @example
 * try {
 *   parseStepMessage(record.body);
 * } catch (error) {
 *   if (error instanceof InvalidStepMessageError) logger.error(error.message);
 * }
 */
export class InvalidStepMessageError extends TwelveError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "InvalidStepMessageError";
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
    );
    this.name = "IncompleteSqsMessageError";
    this.messageId = messageId;
    this.missing = missing;
  }
}
