import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { eventSk, threadPk } from "./keys.ts";
import type { StoreTable } from "./store-table.ts";

/** How long a link to an event's data object serves it (`dataLink`). */
const DATA_LINK_SECONDS = 900;

/**
 * A URL that serves the data of the event at `version` (1-based) straight from the payload
 * bucket for 15 minutes, when that event's data is stored there; `undefined` when it is held
 * in its item, or there is no such event. The HTTP API redirects to it (answers through Lambda
 * hold at most 6 MB).
 *
 * @example
 * const url = await store.dataLink(threadId, 4); // https://bucket.s3…/threads/…?X-Amz-…
 */
export async function dataLink(
  table: StoreTable,
  threadId: string,
  version: number,
): Promise<string | undefined> {
  const { payloads } = table.payloads;
  if (!payloads || !(Number.isInteger(version) && version >= 1)) return undefined;
  const { Item: item } = await table.client.send(
    new GetCommand({
      TableName: table.tableName,
      Key: { pk: threadPk(threadId), sk: eventSk(version - 1) },
      ProjectionExpression: "dataRef",
      ConsistentRead: true,
    }),
  );
  const key = (item?.dataRef as { key?: unknown } | undefined)?.key;
  return typeof key === "string" ? payloads.linkTo(key, DATA_LINK_SECONDS) : undefined;
}
