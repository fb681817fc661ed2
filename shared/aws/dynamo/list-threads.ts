import { QueryCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { ListThreadsQuery, ThreadSummary } from "../../core/ports.ts";
import { statuses } from "../../core/thread.ts";
import { decodeCursor, encodeCursor, type IndexKey } from "./cursor.ts";
import { CorruptThreadError } from "./errors.ts";
import type { Item } from "./items.ts";
import { agentPk, META_SK, statusPk, THREAD_PREFIX } from "./keys.ts";
import { listAllStatuses } from "./list-all.ts";
import type { StoreTable } from "./store-table.ts";
import { byAgentIndex, byStatusIndex, type ThreadIndex, threadTable } from "./table.ts";

const DEFAULT_LIMIT = 50;

/** One listing index item as a summary; the index keys it also carries are left out. */
function summaryOf(item: Item): ThreadSummary {
  const parsed = summaryItem.safeParse(item);
  if (!parsed.success) {
    throw new CorruptThreadError(String(item.pk), META_SK, "unreadable in the listing index", {
      cause: parsed.error,
    });
  }
  const { pk, agent, status, updatedAt } = parsed.data;
  return { threadId: pk.slice(THREAD_PREFIX.length), agent, status, updatedAt };
}

const summaryItem = z.object({
  pk: z.string().startsWith(THREAD_PREFIX),
  agent: z.string(),
  status: z.enum(statuses),
  updatedAt: z.string(),
});

/** One page of a listing, from an index (no scan); the contract is `DynamoThreadStore.list`. */
export async function listThreads(
  table: StoreTable,
  { status, agent, limit = DEFAULT_LIMIT, cursor }: ListThreadsQuery,
): Promise<{ threads: ThreadSummary[]; next?: string }> {
  if (status === undefined) {
    const { items, next } = await listAllStatuses(table.client, table.tableName, {
      limit,
      ...(agent === undefined ? {} : { agent }),
      ...(cursor === undefined ? {} : { cursor }),
    });
    const threads = items.map(summaryOf);
    return next === undefined ? { threads } : { threads, next };
  }
  const index: ThreadIndex = agent ? byAgentIndex : byStatusIndex;
  const partition = agent ? agentPk(agent) : statusPk(status);
  const prefix = `${status}#`;
  const query: QueryCommandInput = {
    TableName: table.tableName,
    IndexName: index.indexName,
    KeyConditionExpression: agent
      ? "#ipk = :partition AND begins_with(#isk, :prefix)"
      : "#ipk = :partition",
    ExpressionAttributeNames: {
      "#ipk": index.partitionKey,
      ...(agent ? { "#isk": index.sortKey } : {}),
      "#agent": "agent",
      "#status": "status",
    },
    ExpressionAttributeValues: {
      ":partition": partition,
      ...(agent ? { ":prefix": prefix } : {}),
    },
    ProjectionExpression: "pk, #agent, #status, updatedAt",
    ScanIndexForward: false,
    Limit: limit,
  };
  if (cursor !== undefined) {
    const attributes = [
      threadTable.partitionKey,
      threadTable.sortKey,
      index.partitionKey,
      index.sortKey,
    ];
    query.ExclusiveStartKey = decodeCursor(cursor, attributes, (key: IndexKey) => {
      if (key[index.partitionKey] !== partition) return "it belongs to another listing";
      if (agent && !key[index.sortKey]?.startsWith(prefix)) return "it belongs to another status";
      return undefined;
    });
  }
  const page = await table.client.send(new QueryCommand(query));
  const threads = (page.Items ?? []).map(summaryOf);
  return page.LastEvaluatedKey
    ? { threads, next: encodeCursor(page.LastEvaluatedKey) }
    : { threads };
}
