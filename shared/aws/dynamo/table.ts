import { setTimeout as sleep } from "node:timers/promises";
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ConfigError } from "../../core/errors.ts";

/**
 * The thread table's layout, in plain names so the CDK app and `ensureTable` build the same table.
 * All keys are strings.
 *
 * @example
 * new Table(this, "Threads", {
 *   partitionKey: { name: threadTable.partitionKey, type: AttributeType.STRING },
 *   sortKey: { name: threadTable.sortKey, type: AttributeType.STRING },
 *   timeToLiveAttribute: threadTable.ttlAttribute,
 *   billingMode: BillingMode.PAY_PER_REQUEST,
 * });
 */
export const threadTable = {
  partitionKey: "pk",
  sortKey: "sk",
  /** Epoch seconds; every item of a thread carries the same value, so a thread expires whole. */
  ttlAttribute: "expiresAt",
} as const;

/** A global secondary index of the thread table, with what it projects besides the keys. */
export interface ThreadIndex {
  indexName: string;
  partitionKey: string;
  sortKey: string;
  nonKeyAttributes: readonly string[];
}

/** What a `ThreadSummary` needs; the table's `pk` (the thread id) is always projected. */
const summaryAttributes = ["agent", "status", "updatedAt"] as const;

/**
 * Threads by status, newest first: `gsi1pk = STATUS#<status>`, `gsi1sk = <updatedAt>#<threadId>`.
 *
 * @example
 * new QueryCommand({ IndexName: byStatusIndex.indexName, KeyConditionExpression: "gsi1pk = :pk" });
 */
export const byStatusIndex: ThreadIndex = {
  indexName: "byStatus",
  partitionKey: "gsi1pk",
  sortKey: "gsi1sk",
  nonKeyAttributes: summaryAttributes,
};

/**
 * Threads by agent, then status, newest first: `gsi2pk = AGENT#<agent>`,
 * `gsi2sk = <status>#<updatedAt>#<threadId>`.
 *
 * @example
 * new QueryCommand({
 *   IndexName: byAgentIndex.indexName,
 *   KeyConditionExpression: "gsi2pk = :pk AND begins_with(gsi2sk, :status)",
 * });
 */
export const byAgentIndex: ThreadIndex = {
  indexName: "byAgent",
  partitionKey: "gsi2pk",
  sortKey: "gsi2sk",
  nonKeyAttributes: summaryAttributes,
};

/** Both indexes, in the order `ensureTable` creates them. */
export const threadIndexes: readonly ThreadIndex[] = [byStatusIndex, byAgentIndex];

/**
 * The table's key schema in the SDK's shape.
 *
 * @example
 * new CreateTableCommand({ TableName, KeySchema: threadKeySchema, ... });
 */
export const threadKeySchema: KeySchemaElement[] = [
  { AttributeName: threadTable.partitionKey, KeyType: "HASH" },
  { AttributeName: threadTable.sortKey, KeyType: "RANGE" },
];

/**
 * Every key attribute of the table and its indexes (all strings), in the SDK's shape.
 *
 * @example
 * new CreateTableCommand({ TableName, AttributeDefinitions: threadAttributeDefinitions, ... });
 */
export const threadAttributeDefinitions: AttributeDefinition[] = [
  threadTable.partitionKey,
  threadTable.sortKey,
  ...threadIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
].map((name) => ({ AttributeName: name, AttributeType: "S" }));

/**
 * The global secondary indexes in the SDK's shape (on-demand: no provisioned throughput).
 *
 * @example
 * new CreateTableCommand({ TableName, GlobalSecondaryIndexes: threadGlobalSecondaryIndexes, ... });
 */
export const threadGlobalSecondaryIndexes: GlobalSecondaryIndex[] = threadIndexes.map((index) => ({
  IndexName: index.indexName,
  KeySchema: [
    { AttributeName: index.partitionKey, KeyType: "HASH" },
    { AttributeName: index.sortKey, KeyType: "RANGE" },
  ],
  Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: [...index.nonKeyAttributes] },
}));

/** Any client that can send the table commands: a plain or a document client. */
export type TableClient = DynamoDBClient | DynamoDBDocumentClient;

/**
 * Creates the thread table (on-demand) unless it exists, waits until it and its indexes are
 * ACTIVE, and turns on TTL on `expiresAt`. Safe to call from several processes at once. For the
 * local stack and tests; in AWS the CDK app owns the table. Throws `ConfigError` when a table of
 * that name exists with another key schema or without the indexes.
 *
 * @example
 * const client = new DynamoDBClient({ endpoint: "http://127.0.0.1:8000" });
 * await ensureTable(client, "twelve-threads");
 * const store = new DynamoThreadStore({
 *   tableName: "twelve-threads",
 *   client: DynamoDBDocumentClient.from(client),
 * });
 */
export async function ensureTable(
  client: TableClient,
  tableName: string,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const send = client.send.bind(client) as DynamoDBClient["send"];
  if (!(await describe(send, tableName))) {
    try {
      await send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: "PAY_PER_REQUEST",
          KeySchema: threadKeySchema,
          AttributeDefinitions: threadAttributeDefinitions,
          GlobalSecondaryIndexes: threadGlobalSecondaryIndexes,
        }),
      );
    } catch (error) {
      // Another process created it between our describe and create: wait for theirs.
      if (!(error instanceof Error && error.name === "ResourceInUseException")) throw error;
    }
  }
  const table = await waitUntilActive(send, tableName, options.timeoutMs ?? 60_000);
  assertLayout(table, tableName);
  await enableTtl(send, tableName);
}

async function describe(
  send: DynamoDBClient["send"],
  tableName: string,
): Promise<TableDescription | undefined> {
  try {
    return (await send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof Error && error.name === "ResourceNotFoundException") return undefined;
    throw error;
  }
}

async function waitUntilActive(
  send: DynamoDBClient["send"],
  tableName: string,
  timeoutMs: number,
): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const table = await describe(send, tableName);
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every(
      (index) => index.IndexStatus === "ACTIVE",
    );
    if (table?.TableStatus === "ACTIVE" && indexesActive) return table;
    if (Date.now() > deadline) {
      throw new ConfigError(
        `table ${tableName} is not ACTIVE after ${timeoutMs} ms (status ${table?.TableStatus ?? "missing"})`,
      );
    }
    await sleep(200);
  }
}

function assertLayout(table: TableDescription, tableName: string): void {
  const keys = (table.KeySchema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`);
  const expected = threadKeySchema.map((key) => `${key.AttributeName}:${key.KeyType}`);
  const indexes = new Set((table.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  const missing = threadIndexes.filter((index) => !indexes.has(index.indexName));
  if (keys.join() !== expected.join() || missing.length > 0) {
    throw new ConfigError(
      `table ${tableName} exists but is not a thread table: expected keys ${expected.join(", ")} and ` +
        `indexes ${threadIndexes.map((index) => index.indexName).join(", ")}`,
    );
  }
}

async function enableTtl(send: DynamoDBClient["send"], tableName: string): Promise<void> {
  const { TimeToLiveDescription: ttl } = await send(
    new DescribeTimeToLiveCommand({ TableName: tableName }),
  );
  const on = ttl?.TimeToLiveStatus === "ENABLED" || ttl?.TimeToLiveStatus === "ENABLING";
  if (on && ttl?.AttributeName === threadTable.ttlAttribute) return;
  if (on) {
    throw new ConfigError(
      `table ${tableName} expires items by ${ttl?.AttributeName}, not ${threadTable.ttlAttribute}`,
    );
  }
  try {
    await send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: threadTable.ttlAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    // A concurrent ensureTable enabled it first; DynamoDB refuses to enable it twice.
    const already = error instanceof Error && /already enabled/i.test(error.message);
    if (!already) throw error;
  }
}
