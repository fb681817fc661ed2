import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { EventsPage, EventsQuery } from "../../core/ports.ts";
import type { Thread } from "../../core/thread.ts";
import { readConsistently } from "./consistent-read.ts";
import { readEvent, readQueued, readThread } from "./items.ts";
import { eventSk, META_SK, threadPk } from "./keys.ts";
import { itemsOf, queryAll, type StoreTable, withPayloads } from "./store-table.ts";

/**
 * The thread with all its events, read consistently (every page of its item collection), or
 * `undefined` when it does not exist (or is being deleted); see `DynamoThreadStore.load`.
 */
export function loadThread(table: StoreTable, threadId: string): Promise<Thread | undefined> {
  return readConsistently(table, threadId, async () => {
    const items = await withPayloads(table, threadId, await itemsOf(table, threadId));
    if (!items) return { kind: "read", value: undefined };
    const read = readThread(threadId, items);
    return read.kind === "thread" ? { kind: "read", value: read.thread } : read;
  });
}

/**
 * The events after version `after` (at most `limit`) and the thread's version, without loading
 * the rest of the thread: the meta item, then one query of the event sort keys from `after`;
 * see `DynamoThreadStore.readEvents`.
 */
export function readEventsPage(
  table: StoreTable,
  threadId: string,
  { after, limit }: EventsQuery,
): Promise<EventsPage | undefined> {
  const pk = threadPk(threadId);
  return readConsistently(table, threadId, async () => {
    const { Item: raw } = await table.client.send(
      new GetCommand({
        TableName: table.tableName,
        Key: { pk, sk: META_SK },
        ConsistentRead: true,
      }),
    );
    if (!raw) return { kind: "read", value: undefined };
    // Validates the meta item (a `CorruptThreadError` if it is not one); its events come next.
    readThread(threadId, [raw]);
    const version = Number(raw.version);
    const upto = Math.min(after + limit, version);
    const waiting = readQueued(threadId, raw);
    const queued = waiting ? { queued: waiting } : {};
    if (upto <= after) return { kind: "read", value: { events: [], version, ...queued } };
    const items = await withPayloads(
      table,
      threadId,
      await queryAll(table, {
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ExpressionAttributeValues: {
          ":pk": pk,
          ":from": eventSk(after),
          ":to": eventSk(upto - 1),
        },
      }),
    );
    if (!items) return { kind: "read", value: undefined };
    const bySk = new Map(items.map((item) => [String(item.sk), item]));
    const events = [];
    for (let index = after; index < upto; index++) {
      const sk = eventSk(index);
      const item = bySk.get(sk);
      if (!item)
        return { kind: "incomplete", missing: sk, version, expiresAt: Number(raw.expiresAt) };
      events.push(readEvent(threadId, sk, item));
    }
    return { kind: "read", value: { events, version, ...queued } };
  });
}
