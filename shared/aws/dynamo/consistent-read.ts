import { setTimeout as sleep } from "node:timers/promises";
import { CorruptThreadError } from "./errors.ts";
import { nowSeconds, type StoreTable } from "./store-table.ts";

/** Reads of a thread before one with an item still missing is damage. */
const READ_ATTEMPTS = 4;

/** One read of a thread: what it found, or the event item it did not see. */
export type ReadAttempt<T> =
  | { kind: "read"; value: T }
  | { kind: "incomplete"; missing: string; version: number; expiresAt: number };

/**
 * Runs `read` until it sees the thread whole. A query is not a snapshot: it can see an append's
 * new meta item but not yet its last events, which are committed and show up on the next read
 * (a short wait, then again). A thread past its `expiresAt` is being deleted by TTL (schema 1
 * events expire one by one): `undefined`, no thread. A gap that stays is damage:
 * `CorruptThreadError` naming the missing item.
 *
 * @example
 * const thread = await readConsistently(table, threadId, async () => readOnce(threadId));
 */
export async function readConsistently<T>(
  table: StoreTable,
  threadId: string,
  read: () => Promise<ReadAttempt<T>>,
): Promise<T | undefined> {
  for (let attempt = 1; ; attempt++) {
    const result = await read();
    if (result.kind === "read") return result.value;
    if (result.expiresAt <= nowSeconds(table)) return undefined;
    if (attempt >= READ_ATTEMPTS) {
      throw new CorruptThreadError(
        threadId,
        result.missing,
        `the item is missing though the thread is at version ${result.version}`,
      );
    }
    await sleep(25 * attempt);
  }
}
