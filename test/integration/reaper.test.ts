import { randomUUID } from "node:crypto";
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { describe, expect, inject, it } from "vitest";
import { createReaperHandler } from "../../functions/reaper/app.ts";
import { DynamoThreadStore, ensureTable } from "../../shared/aws/dynamo/index.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { steppingClock } from "../../shared/testing/index.ts";
import { appendEvents, createThread } from "../contract/writes.ts";
import { startDynamoFaultProxy } from "../fault-kit/dynamo-fault-proxy.ts";

// The reaper against DynamoDB Local: TTL's removal of a meta item is played by deleting it, and
// the stream record that removal makes is the Lambda event AWS documents for DynamoDB Streams.

const local = {
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
};
const base = new DynamoDBClient({ ...local, endpoint: inject("dynamoEndpoint") });
const client = DynamoDBDocumentClient.from(base);
const logger = new Logger({ serviceName: "reaper-test", logLevel: "SILENT" });
const context = { getRemainingTimeInMillis: () => 60_000 } as Context;

async function freshStore() {
  const tableName = `reaper-${randomUUID()}`;
  await ensureTable(base, tableName);
  // Times in 2100, so that DynamoDB Local's own TTL never takes part.
  return new DynamoThreadStore({ tableName, client, retentionDays: 7 });
}

/** A thread of three events: launched, then one tool call and its result. */
async function threadIn(store: DynamoThreadStore, key?: string): Promise<string> {
  const clock = steppingClock("2100-01-01T00:00:00.000Z");
  const id = randomUUID();
  const { thread } = await createThread(
    store,
    launch({ agent: calculator, threadId: id, message: "what is 3 + 4?", clock }),
    key,
  );
  await appendEvents(store, thread, [
    {
      type: "tool_call",
      at: clock.now().toISOString(),
      data: { callId: "call_1", tool: "add", args: { a: 3, b: 4 }, source: "model" },
    },
    {
      type: "tool_result",
      at: clock.now().toISOString(),
      data: { callId: "call_1", tool: "add", result: 7 },
    },
  ]);
  return id;
}

const keysOf = async (store: DynamoThreadStore, id: string) => {
  const { Items = [] } = await client.send(
    new QueryCommand({
      TableName: store.tableName,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": `THREAD#${id}` },
      ProjectionExpression: "sk",
    }),
  );
  return Items.map((item) => item.sk);
};

/** What TTL does: removes the meta item alone. */
const expireMeta = (store: DynamoThreadStore, id: string) =>
  client.send(
    new DeleteCommand({ TableName: store.tableName, Key: { pk: `THREAD#${id}`, sk: "META" } }),
  );

let sequence = 100;
/**
 * A stream record as Lambda hands it (KEYS_ONLY view): `ttl` adds the `userIdentity` DynamoDB
 * sets on a TTL deletion; a user's delete has none.
 */
function removal(pk: string, sk: string, ttl: boolean, tableName: string): DynamoDBRecord {
  sequence++;
  return {
    eventID: randomUUID().replaceAll("-", ""),
    eventName: "REMOVE",
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: "us-east-1",
    dynamodb: {
      ApproximateCreationDateTime: 4_102_963_200,
      Keys: { pk: { S: pk }, sk: { S: sk } },
      SequenceNumber: `${sequence}000000000000000000000`,
      SizeBytes: 40,
      StreamViewType: "KEYS_ONLY",
    },
    ...(ttl ? { userIdentity: { type: "Service", principalId: "dynamodb.amazonaws.com" } } : {}),
    eventSourceARN: `arn:aws:dynamodb:us-east-1:123456789012:table/${tableName}/stream/2100-01-01T00:00:00.000`,
  };
}
const streamEvent = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

describe("Reaper (DynamoDB stream of TTL removals)", () => {
  it("deletes what is left of a thread whose meta item TTL removed", async () => {
    // Prepare
    const store = await freshStore();
    const id = await threadIn(store);
    const other = await threadIn(store);
    await expireMeta(store, id);
    const reap = createReaperHandler({ store, logger });

    // Act
    const result = await reap(
      streamEvent(removal(`THREAD#${id}`, "META", true, store.tableName)),
      context,
    );

    // Assess: the expired thread's events are gone, the other thread is whole
    expect(result).toEqual({ batchItemFailures: [] });
    expect(await keysOf(store, id)).toEqual([]);
    expect(await keysOf(store, other)).toEqual([
      "EVT#0000000000",
      "EVT#0000000001",
      "EVT#0000000002",
      "META",
    ]);
    expect(await store.load(other)).toBeDefined();
  });

  it("ignores a user's delete, the TTL removal of an item that is no meta item, and other records", async () => {
    // Prepare: three threads whose meta items are gone, but not by TTL or not as meta items
    const store = await freshStore();
    const [byUser, byTtlEvent, keyed] = [
      await threadIn(store),
      await threadIn(store),
      await threadIn(store, "launch-key"),
    ];
    for (const id of [byUser, byTtlEvent, keyed]) await expireMeta(store, id);
    const update: DynamoDBRecord = {
      ...removal(`THREAD#${keyed}`, "META", true, store.tableName),
      eventName: "MODIFY",
    };
    const reap = createReaperHandler({ store, logger });

    // Act
    const result = await reap(
      streamEvent(
        removal(`THREAD#${byUser}`, "META", false, store.tableName),
        removal(`THREAD#${byTtlEvent}`, "EVT#0000000000", true, store.tableName),
        removal("IDEMPOTENCY#launch-key", "IDEMPOTENCY", true, store.tableName),
        update,
      ),
      context,
    );

    // Assess: nothing was deleted
    expect(result).toEqual({ batchItemFailures: [] });
    for (const id of [byUser, byTtlEvent, keyed]) {
      expect(await keysOf(store, id)).toEqual([
        "EVT#0000000000",
        "EVT#0000000001",
        "EVT#0000000002",
      ]);
    }
  });

  it("reports a record whose delete failed, so the stream hands it again; the others are done", async () => {
    // Prepare: DynamoDB throttling every read of one thread, at the wire
    const proxy = await startDynamoFaultProxy(inject("dynamoEndpoint"));
    try {
      const store = await freshStore();
      const [id, stuck] = [await threadIn(store), await threadIn(store)];
      for (const thread of [id, stuck]) await expireMeta(store, thread);
      proxy.inject({ operation: "Query", fault: "throughput", bodyIncludes: `THREAD#${stuck}` });
      const throughProxy = new DynamoThreadStore({
        tableName: store.tableName,
        clientConfig: { ...local, endpoint: proxy.endpoint },
      });
      const failing = removal(`THREAD#${stuck}`, "META", true, store.tableName);
      const reap = createReaperHandler({ store: throughProxy, logger });

      // Act
      const result = await reap(
        streamEvent(removal(`THREAD#${id}`, "META", true, store.tableName), failing),
        context,
      );

      // Assess
      expect(result).toEqual({
        batchItemFailures: [{ itemIdentifier: failing.dynamodb?.SequenceNumber }],
      });
      expect(await keysOf(store, id)).toEqual([]);
      expect(await keysOf(store, stuck)).toHaveLength(3);
    } finally {
      await proxy.stop();
    }
  });
});
