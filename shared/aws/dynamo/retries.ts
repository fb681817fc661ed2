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
 * saying how often it was tried): an infrastructure error (`isInfrastructureError`, in
 * ../infrastructure-errors.ts), which the worker hands back to SQS to deliver again, never a reason to fail the thread.
 */
export const DYNAMO_RETRY = {
  retryMode: "standard",
  maxAttempts: 5,
} as const satisfies Pick<DynamoDBClientConfig, "retryMode" | "maxAttempts">;
