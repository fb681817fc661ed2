import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { eventSk, threadPk } from "./keys.ts";
import type { StoreTable } from "./store-table.ts";

/** How long a link to an event's data object serves it (`dataLink`). */
const DATA_LINK_SECONDS = 900;

/** A presigned link to an event's data object; the contract is `DynamoThreadStore.dataLink`. */
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
