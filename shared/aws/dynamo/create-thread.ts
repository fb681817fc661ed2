import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { IdempotencyKeyReusedError, TwelveError, VersionConflictError } from "../../core/errors.ts";
import type { ThreadEvent } from "../../core/events.ts";
import type { CreateThreadInput } from "../../core/ports.ts";
import type { Thread } from "../../core/thread.ts";
import { CorruptThreadError } from "./errors.ts";
import { eventItem, metaItem, type TransactItems } from "./items.ts";
import { IDEMPOTENCY_SK, idempotencyPk, META_SK, threadPk } from "./keys.ts";
import { loadThread } from "./load-thread.ts";
import { prepareData, writeObjects } from "./payloads.ts";
import { expiresAt, nowSeconds, type StoreTable } from "./store-table.ts";
import { cancellationCodes, transactWrite } from "./transactions.ts";

/**
 * A create writes the meta item, the idempotency item and the events in one transaction (at most
 * 100 items). Launches hold one event; a fork of a long thread may hold more, and then its events
 * are written before its meta item (see `create`).
 */
export const MAX_CREATE_EVENTS = 90;
/** TransactWriteItems holds at most 100 items. */
export const TRANSACTION_ITEMS = 100;
const CREATE_ATTEMPTS = 4;

/** A new thread in one transaction, or the one its idempotency key made; the contract is `DynamoThreadStore.create`. */
export async function createThread(
  table: StoreTable,
  { thread, head, idempotencyKey, fingerprint }: CreateThreadInput,
): Promise<{ thread: Thread; created: boolean }> {
  const count = thread.events.length;
  const first = thread.events[0];
  if (!first) {
    throw new TwelveError(`thread ${thread.id} has no events: a thread starts with its first one`);
  }
  const pk = threadPk(thread.id);
  const last = thread.events[count - 1] as ThreadEvent;
  // Large data goes to the payload bucket first: no item is written that points nowhere.
  const stored = thread.events.map((event, index) =>
    prepareData(thread.id, index, event, table.payloads),
  );
  await writeObjects(table.payloads.payloads, stored);
  const early = count > MAX_CREATE_EVENTS;
  if (early) {
    for (let start = 0; start < count; start += TRANSACTION_ITEMS) {
      const chunk = thread.events.slice(start, start + TRANSACTION_ITEMS);
      await transactWrite(table.client, {
        TransactItems: chunk.map((event, offset) => ({
          Put: {
            TableName: table.tableName,
            Item: eventItem(pk, start + offset, event, stored[start + offset]?.stored),
            ConditionExpression: "attribute_not_exists(pk)",
          },
        })),
      });
    }
  }
  const items: TransactItems = [
    {
      Put: {
        TableName: table.tableName,
        Item: metaItem({
          pk,
          threadId: thread.id,
          agent: thread.agent,
          status: head.status,
          version: count,
          createdAt: first.at,
          updatedAt: head.updatedAt,
          expiresAt: expiresAt(table, last.at),
          ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
          ...(thread.forkedFrom ? { forkedFrom: thread.forkedFrom } : {}),
        }),
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
    ...(early ? [] : thread.events).map((event, index) => ({
      Put: {
        TableName: table.tableName,
        Item: eventItem(pk, index, event, stored[index]?.stored),
      },
    })),
  ];
  if (idempotencyKey !== undefined) {
    items.push({
      Put: {
        TableName: table.tableName,
        Item: {
          pk: idempotencyPk(idempotencyKey),
          sk: IDEMPOTENCY_SK,
          threadId: thread.id,
          createdAt: first.at,
          // The launch + retention: a retry of a launch comes soon after it; a key is not held
          // for as long as its thread lives (it expires no later than the thread's meta item).
          expiresAt: expiresAt(table, first.at),
          ...(fingerprint === undefined ? {} : { fingerprint }),
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    });
  }
  const keyIndex = items.length - 1;
  for (let attempt = 1; ; attempt++) {
    try {
      await transactWrite(table.client, { TransactItems: items });
      return { thread, created: true };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (idempotencyKey !== undefined && codes?.[keyIndex] === "ConditionalCheckFailed") {
        const existing = await threadOfKey(table, idempotencyKey, fingerprint);
        if (existing) return { thread: existing, created: false };
        // TTL deleted the key between our write and our read: it is free now, try again.
        if (attempt < CREATE_ATTEMPTS) continue;
      }
      if (codes?.[0] === "ConditionalCheckFailed") {
        throw new VersionConflictError(thread.id, 0, { cause: error });
      }
      throw error;
    }
  }
}

/** The thread an idempotency key created; `undefined` when the key is not held (any more). */
async function threadOfKey(
  table: StoreTable,
  key: string,
  fingerprint?: string,
): Promise<Thread | undefined> {
  const { Item: item } = await table.client.send(
    new GetCommand({
      TableName: table.tableName,
      Key: { pk: idempotencyPk(key), sk: IDEMPOTENCY_SK },
      ConsistentRead: true,
    }),
  );
  if (typeof item?.threadId !== "string") return undefined;
  // A key stored before fingerprints existed matches any request.
  if (typeof item.fingerprint === "string" && fingerprint !== undefined) {
    if (item.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError(key);
  }
  const thread = await loadThread(table, item.threadId);
  if (thread) return thread;
  if (Number(item.expiresAt) <= nowSeconds(table)) {
    throw new TwelveError(
      `idempotency key ${key} belongs to thread ${item.threadId}, which has expired and is ` +
        "being deleted: use a new key",
    );
  }
  // Both were written in one transaction and expire together: this is damage, not a race.
  throw new CorruptThreadError(
    item.threadId,
    META_SK,
    `idempotency key ${key} names this thread, which does not exist`,
  );
}
