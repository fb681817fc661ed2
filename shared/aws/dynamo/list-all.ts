import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { InvalidCursorError } from "../../core/errors.ts";
import { type Status, statuses } from "../../core/thread.ts";
import type { Item } from "./items.ts";
import { agentPk, statusPk } from "./keys.ts";
import { byAgentIndex, byStatusIndex } from "./table.ts";

/**
 * A listing across every status (of one agent, if given), newest first, without an index of its
 * own: one query per status on the indexes that already exist (`byStatus`, or `byAgent` by its
 * `<status>#` prefix), merged by `<updatedAt>#<threadId>`. No new partition takes every write, so
 * no partition gets hotter than the per-status ones already are, and threads written before this
 * listing existed show up without a backfill; the price is one query per status per page.
 */

/** A merged listing's place: which listing, and the `<time>#<id>` of the last thread shown. */
interface MergedCursor {
  merged: string;
  after: string;
}

/** One item of a page and the key the merge orders by. */
export interface MergedItem {
  key: string;
  item: Item;
}

/**
 * The next `limit` summaries' items of the merged listing, and the cursor of the page after, if
 * any. Each status is asked for `limit + 1` items (`+ 2` where `BETWEEN` also returns the cursor's
 * own item), so more than `limit` merged items means more remain, and fewer means every query is
 * exhausted.
 */
export async function listAllStatuses(
  client: DynamoDBDocumentClient,
  tableName: string,
  query: { agent?: string; limit: number; cursor?: string },
): Promise<{ items: Item[]; next?: string }> {
  const { agent, limit, cursor } = query;
  const listing = agent === undefined ? "all" : `agent:${agent}`;
  const after = cursor === undefined ? undefined : decodeMergedCursor(cursor, listing);
  const pages = await Promise.all(
    statuses.map((status) => queryStatus(client, tableName, status, agent, limit, after)),
  );
  const merged = pages
    .flat()
    .filter(({ key }) => after === undefined || key < after)
    .sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
  const page = merged.slice(0, limit);
  const last = page.at(-1);
  const items = page.map(({ item }) => item);
  return last && merged.length > limit
    ? { items, next: encodeMergedCursor({ merged: listing, after: last.key }) }
    : { items };
}

async function queryStatus(
  client: DynamoDBDocumentClient,
  tableName: string,
  status: Status,
  agent: string | undefined,
  limit: number,
  after: string | undefined,
): Promise<MergedItem[]> {
  const index = agent === undefined ? byStatusIndex : byAgentIndex;
  const prefix = agent === undefined ? "" : `${status}#`;
  const base = {
    TableName: tableName,
    IndexName: index.indexName,
    ExpressionAttributeNames: {
      "#ipk": index.partitionKey,
      "#isk": index.sortKey,
      "#agent": "agent",
      "#status": "status",
    },
    ProjectionExpression: "pk, #agent, #status, updatedAt, #isk",
    ScanIndexForward: false,
  };
  const partition = agent === undefined ? statusPk(status) : agentPk(agent);
  const input: QueryCommandInput =
    agent === undefined
      ? {
          ...base,
          KeyConditionExpression:
            after === undefined ? "#ipk = :partition" : "#ipk = :partition AND #isk < :after",
          ExpressionAttributeValues: {
            ":partition": partition,
            ...(after === undefined ? {} : { ":after": after }),
          },
          Limit: limit + 1,
        }
      : {
          ...base,
          KeyConditionExpression:
            after === undefined
              ? "#ipk = :partition AND begins_with(#isk, :prefix)"
              : "#ipk = :partition AND #isk BETWEEN :prefix AND :upto",
          ExpressionAttributeValues: {
            ":partition": partition,
            ":prefix": prefix,
            ...(after === undefined ? {} : { ":upto": `${prefix}${after}` }),
          },
          Limit: limit + 2,
        };
  const page = await client.send(new QueryCommand(input));
  return (page.Items ?? []).map((item) => ({
    key: String(item[index.sortKey]).slice(prefix.length),
    item,
  }));
}

const encodeMergedCursor = (cursor: MergedCursor): string =>
  Buffer.from(JSON.stringify(cursor)).toString("base64url");

function decodeMergedCursor(cursor: string, listing: string): string {
  let decoded: unknown;
  try {
    decoded = /^[A-Za-z0-9_-]+$/.test(cursor)
      ? JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))
      : undefined;
  } catch {
    decoded = undefined;
  }
  const { merged, after } = (decoded ?? {}) as Partial<MergedCursor>;
  if (
    typeof merged !== "string" ||
    typeof after !== "string" ||
    Object.keys(decoded as object).length !== 2
  ) {
    throw invalid("not a cursor this store handed out");
  }
  if (merged !== listing) throw invalid("it belongs to another listing");
  // It becomes a sort key value in the query: DynamoDB refuses one beyond 1024 bytes (a 500).
  if (after === "" || Buffer.byteLength(after) > 900)
    throw invalid("not a cursor this store handed out");
  return after;
}

const invalid = (reason: string): InvalidCursorError =>
  new InvalidCursorError(`invalid cursor (${reason}): pass the \`next\` value of an earlier page`);
