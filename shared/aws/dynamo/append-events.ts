import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { VersionConflictError } from "../../core/errors.ts";
import type { ThreadEvent } from "../../core/events.ts";
import type { Thread, ThreadHead, WaitingMessage } from "../../core/thread.ts";
import { TooManyEventsError } from "./errors.ts";
import { appendTransactItems, queueMessageUpdate } from "./items.ts";
import { prepareData, writeObjects } from "./payloads.ts";
import { expiresAt, type StoreTable } from "./store-table.ts";
import { cancellationCodes, transactWrite } from "./transactions.ts";

/** An append writes the meta item and the events in one transaction of at most 100 items. */
export const MAX_APPEND_EVENTS = 99;

/** The events after `read`, in one transaction conditional on its version; the contract is `DynamoThreadStore.append`. */
export async function appendEvents(
  table: StoreTable,
  read: Thread,
  events: readonly ThreadEvent[],
  head: ThreadHead,
): Promise<Thread> {
  if (events.length === 0) return read;
  if (events.length > MAX_APPEND_EVENTS) {
    throw new TooManyEventsError("append", events.length, MAX_APPEND_EVENTS);
  }
  const expected = read.events.length;
  const all = [...read.events, ...events];
  const last = events[events.length - 1] as ThreadEvent;
  // Objects first; one left by a lost race is an orphan the thread's delete removes.
  const prepared = events.map((event, offset) =>
    prepareData(read.id, expected + offset, event, table.payloads),
  );
  await writeObjects(table.payloads.payloads, prepared);
  const items = appendTransactItems({
    tableName: table.tableName,
    threadId: read.id,
    agent: read.agent,
    expected,
    events,
    head,
    expiresAt: expiresAt(table, last.at),
    stored: prepared.map((data) => data.stored),
    queued: read.queued?.length ?? 0,
  });
  try {
    await transactWrite(table.client, { TransactItems: items });
  } catch (error) {
    if (cancellationCodes(error)?.includes("ConditionalCheckFailed")) {
      throw new VersionConflictError(read.id, expected, { cause: error });
    }
    throw error;
  }
  const { queued: _delivered, ...rest } = read;
  return { ...rest, events: all };
}

/** `message` kept in the meta item beside the step in flight; the contract is `DynamoThreadStore.queueMessage`. */
export async function queueMessage(
  table: StoreTable,
  read: Thread,
  message: WaitingMessage,
): Promise<Thread> {
  const queued = read.queued ?? [];
  try {
    await table.client.send(
      new UpdateCommand(
        queueMessageUpdate({
          tableName: table.tableName,
          threadId: read.id,
          expected: read.events.length,
          queued: queued.length,
          message,
        }),
      ),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      throw new VersionConflictError(read.id, read.events.length, { cause: error });
    }
    throw error;
  }
  return { ...read, queued: [...queued, message] };
}
