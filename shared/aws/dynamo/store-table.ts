import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { Clock } from "../../core/ports.ts";
import type { Item } from "./items.ts";
import { META_SK, threadPk } from "./keys.ts";
import { type PayloadPolicy, restorePayloads } from "./payloads.ts";

/** What every job of the DynamoDB thread store works on: the table, its client and its policies. */
export interface StoreTable {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  /** How long a thread is kept after its last event. */
  readonly retentionSeconds: number;
  /** Tells a thread that TTL is deleting from a damaged one. */
  readonly clock: Clock;
  readonly payloads: PayloadPolicy;
}

/** When an item counted from the event at `at` expires, in epoch seconds (DynamoDB TTL). */
export const expiresAt = (table: StoreTable, at: string): number =>
  Math.floor(Date.parse(at) / 1000) + table.retentionSeconds;

export const nowSeconds = (table: StoreTable): number =>
  Math.floor(table.clock.now().getTime() / 1000);

/**
 * `items` with the data of their pointer items read back from the payload bucket;
 * `undefined` when an object is missing because the thread was deleted since the items were
 * read (a delete removes the meta item first and the objects last). An object missing from a
 * thread that still exists reads as `missingData` (`payloads.ts`): the thread stays usable.
 */
export async function withPayloads(
  table: StoreTable,
  threadId: string,
  items: Item[],
): Promise<Item[] | undefined> {
  let missing = 0;
  const restored = await restorePayloads(items, table.payloads.payloads, () => {
    missing++;
  });
  if (missing === 0) return restored;
  const { Item: meta } = await table.client.send(
    new GetCommand({
      TableName: table.tableName,
      Key: { pk: threadPk(threadId), sk: META_SK },
      ProjectionExpression: "pk",
      ConsistentRead: true,
    }),
  );
  return meta ? restored : undefined;
}

/** The keys of every item of the thread (and the meta item's version and idempotency key). */
export function keysOf(table: StoreTable, threadId: string): Promise<Item[]> {
  return itemsOf(table, threadId, {
    ProjectionExpression: "pk, sk, #version, idempotencyKey",
    ExpressionAttributeNames: { "#version": "version" },
  });
}

/** Every item of the thread, all pages, in sort key order (events, then `META`). */
export function itemsOf(
  table: StoreTable,

  threadId: string,
  projection: Pick<QueryCommandInput, "ProjectionExpression" | "ExpressionAttributeNames"> = {},
): Promise<Item[]> {
  return queryAll(table, {
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": threadPk(threadId) },
    ...projection,
  });
}

/** Every page of a consistent query of the table. */
export async function queryAll(
  table: StoreTable,

  query: Omit<QueryCommandInput, "TableName" | "ConsistentRead" | "ExclusiveStartKey">,
): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.client.send(
      new QueryCommand({
        ...query,
        TableName: table.tableName,
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
