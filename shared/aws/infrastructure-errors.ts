/**
 * Which errors of the AWS services behind the ports (DynamoDB, S3, SQS, EventBridge) are the
 * infrastructure's rather than the thread's or the request's. One module for every adapter, so
 * an edge (the worker) asks it without reaching into one adapter's internals.
 */

/** DynamoDB's throttling errors, by name (the `__type` after `#`). */
export const THROTTLING_ERRORS: ReadonlySet<string> = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
]);

/** Cancellation reasons of a TransactWriteItems that say nothing about its conditions. */
export const TRANSIENT_CANCELLATIONS: ReadonlySet<string> = new Set([
  "TransactionConflict",
  "ThrottlingError",
  "ProvisionedThroughputExceeded",
]);

/** Errors of the connection rather than of the request. */
const NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN"]);

/**
 * True for an error of the infrastructure, not of the thread or the request: DynamoDB throttling
 * (also as a transaction's cancellation reasons), a transaction conflict that outlasted the
 * retries, an AWS service's 5xx fault, or a dropped connection. Trying later can succeed.
 *
 * @example
 * if (isInfrastructureError(error)) throw error; // SQS delivers the step again
 */
export function isInfrastructureError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (THROTTLING_ERRORS.has(error.name)) return true;
  if (error.name === "TransactionCanceledException") {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
    const codes = (reasons ?? []).map((reason) => reason.Code ?? "None");
    return codes.some((code) => TRANSIENT_CANCELLATIONS.has(code));
  }
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  if ((error as { $fault?: string }).$fault === "server") return true;
  const code = (error as { code?: string }).code;
  return (code !== undefined && NETWORK_CODES.has(code)) || error.name === "TimeoutError";
}
