import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";

/**
 * How the store meets DynamoDB pushing back, in two layers:
 *
 * - The SDK's standard retry mode, with 5 attempts (the SDK's default is 3), on the client the
 *   store builds: throttles (`ProvisionedThroughputExceededException`, `ThrottlingException`,
 *   `RequestLimitExceeded`), 5xx faults and dropped connections are sent again with exponential
 *   backoff and full jitter, within the SDK's retry quota. With the SDK this project locks, a
 *   retry of a throttle waits a random time below 1 s, 2 s, 4 s, 8 s (15 s in all at most, so a
 *   step stays well within the worker's 5 minutes); other errors start from 50 ms. A client
 *   handed to the store keeps its own policy.
 * - The store's own loop (`transactWrite`) for what the SDK does not retry: a TransactWriteItems
 *   cancelled only because another transaction held an item (`TransactionConflict`) or an item
 *   was throttled (`ThrottlingError`, `ProvisionedThroughputExceeded` among the cancellation
 *   reasons); see `transactions.ts`.
 *
 * What still fails after that surfaces unchanged (the SDK's error, its `$metadata.attempts`
 * saying how often it was tried): an infrastructure error (`isInfrastructureError`), which the
 * worker hands back to SQS to deliver again, never a reason to fail the thread.
 */
export const DYNAMO_RETRY = {
  retryMode: "standard",
  maxAttempts: 5,
} as const satisfies Pick<DynamoDBClientConfig, "retryMode" | "maxAttempts">;

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
