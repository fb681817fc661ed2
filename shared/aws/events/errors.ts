import { registerErrorNames, TwelveError } from "../../core/errors.ts";

/** Entry error codes EventBridge documents as transient: the same event may go through later. */
const RETRYABLE_CODES = new Set(["InternalFailure", "ThrottlingException"]);

/**
 * EventBridge accepted the PutEvents call but rejected the entry (`FailedEntryCount > 0`): the
 * event was not published. Carries the entry's error code and message; `retryable` tells a
 * throttle or internal failure from a malformed or forbidden event.
 *
 * @example
 * try {
 *   await notifier.threadWaiting(notice);
 * } catch (error) {
 *   if (isRetryable(error)) throw error; // a throttle: let the step retry
 * }
 */
export class PutEventsError extends TwelveError {
  readonly busName: string;
  readonly errorCode: string;
  readonly errorMessage: string;
  constructor(input: {
    busName: string;
    detailType: string;
    errorCode?: string;
    errorMessage?: string;
  }) {
    const errorCode = input.errorCode ?? "Unknown";
    const errorMessage = input.errorMessage ?? "no error message";
    super(
      `EventBridge rejected the ${input.detailType} event on bus ${input.busName}: ${errorCode}: ${errorMessage}`,
      { code: "event_not_published", retryable: RETRYABLE_CODES.has(errorCode) },
    );
    this.busName = input.busName;
    this.errorCode = errorCode;
    this.errorMessage = errorMessage;
  }
}

registerErrorNames({ PutEventsError });
