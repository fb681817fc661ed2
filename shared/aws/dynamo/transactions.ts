import { setTimeout as sleep } from "node:timers/promises";
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { TRANSIENT_CANCELLATIONS } from "../infrastructure-errors.ts";

/**
 * The per-item outcome of a cancelled transaction, in the order of its items (`None`,
 * `ConditionalCheckFailed`, `TransactionConflict`, ...); `undefined` for any other error.
 */
export function cancellationCodes(error: unknown): (string | undefined)[] | undefined {
  if (!(error instanceof Error) || error.name !== "TransactionCanceledException") return undefined;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return (reasons ?? []).map((reason) => reason.Code);
}

const ATTEMPTS = 6;

/**
 * Sends one TransactWriteItems and repeats it while it is cancelled only for reasons that say
 * nothing about our conditions: another transaction was touching the same items
 * (`TransactionConflict`) or an item was throttled (`ThrottlingError`,
 * `ProvisionedThroughputExceeded`). The SDK retries neither (the whole request was answered), and
 * a cancelled transaction wrote nothing, so trying again is safe; the retry then either succeeds
 * or meets the winner's write as a failed condition. Up to 6 attempts, with exponential backoff
 * and full jitter (at most 50, 100, 200, 400, 800 ms). Any other error, or the last transient
 * cancellation, is thrown unchanged.
 */
export async function transactWrite(
  client: DynamoDBDocumentClient,
  input: TransactWriteCommandInput,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(new TransactWriteCommand(input));
      return;
    } catch (error) {
      const codes = cancellationCodes(error);
      const transientOnly =
        codes?.some((code) => code !== undefined && TRANSIENT_CANCELLATIONS.has(code)) &&
        !codes.includes("ConditionalCheckFailed");
      if (!transientOnly || attempt >= ATTEMPTS) throw error;
      await sleep(Math.random() * 25 * 2 ** attempt);
    }
  }
}
