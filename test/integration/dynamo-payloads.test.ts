import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, inject, it } from "vitest";
import {
  DynamoThreadStore,
  type DynamoThreadStoreOptions,
  EventTooLargeError,
  ensureTable,
  payloadPrefix,
} from "../../shared/aws/dynamo/index.ts";
import { S3PayloadStore } from "../../shared/aws/s3/index.ts";
import { VersionConflictError } from "../../shared/core/errors.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import type { Clock } from "../../shared/core/ports.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { steppingClock } from "../../shared/testing/index.ts";
import { appendEvents, createThread } from "../contract/writes.ts";

// DynamoDB Local and fauxqs's S3 (the integration tier's global setup); a fresh table per test.
const local = {
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
};
const base = new DynamoDBClient({ ...local, endpoint: inject("dynamoEndpoint") });
const client = DynamoDBDocumentClient.from(base);
const s3 = new S3Client({ ...local, endpoint: inject("sqsEndpoint"), forcePathStyle: true });
const Bucket = inject("payloadBucket");

async function freshStore(options: Partial<DynamoThreadStoreOptions> = {}) {
  const tableName = `payloads-${randomUUID()}`;
  await ensureTable(base, tableName);
  return new DynamoThreadStore({
    tableName,
    client,
    retentionDays: 36_500,
    payloads: new S3PayloadStore({ bucket: Bucket, client: s3 }),
    ...options,
  });
}

/** The keys of the thread's objects in the bucket. */
async function objectsOf(threadId: string): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: payloadPrefix(threadId) }));
  return (page.Contents ?? []).map((object) => object.Key ?? "").sort();
}

/** A tool call and a result of `bytes` characters (quotes and backslashes among them). */
function bigRound(clock: Clock, n: number, bytes: number): ThreadEvent[] {
  const callId = `call-${n}`;
  const text = `${'line "quoted" \\ back\n'.repeat(Math.ceil(bytes / 22))}`.slice(0, bytes);
  return [
    {
      type: "tool_call",
      at: clock.now().toISOString(),
      data: { callId, tool: "add", args: {}, source: "model" },
    },
    {
      type: "tool_result",
      at: clock.now().toISOString(),
      data: { callId, tool: "add", result: text },
    },
  ];
}

const launched = (clock: Clock) =>
  launch({ agent: calculator, threadId: randomUUID(), message: "read the big file", clock });

describe("DynamoThreadStore: event data in S3", () => {
  it("stores a 1 MB and a 5 MB result in S3, keeps pointers in the items, reads them back", async () => {
    // Prepare
    const store = await freshStore();
    const clock = steppingClock("2026-01-05T09:00:00.000Z");
    const { thread } = await createThread(store, launched(clock));
    const events = [...bigRound(clock, 1, 1_000_000), ...bigRound(clock, 2, 5_000_000)];

    // Act
    const written = await appendEvents(store, thread, events);
    const loaded = await store.load(thread.id);
    const page = await store.readEvents(thread.id, { after: 1, limit: 10 });

    // Assess
    expect(loaded).toEqual(written);
    expect(JSON.stringify(loaded)).toBe(JSON.stringify(written));
    expect(page?.events).toEqual(events);
    const { Items: items = [] } = await client.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": `THREAD#${thread.id}` },
      }),
    );
    const results = items.filter((item) => item.type === "tool_result");
    expect(results).toHaveLength(2);
    for (const item of results) {
      expect(item.dataJson).toBeUndefined();
      expect(item.dataRef).toMatchObject({ key: expect.stringMatching(/^threads\//) });
      // The item itself stays small, far from DynamoDB's 400 KB.
      expect(JSON.stringify(item).length).toBeLessThan(1000);
    }
    expect(results.map((item) => Number(item.dataRef.bytes))).toEqual([
      Buffer.byteLength(JSON.stringify(events[1]?.data)),
      Buffer.byteLength(JSON.stringify(events[3]?.data)),
    ]);
    // Small events (the launch, the calls) stay inline.
    expect(items.filter((item) => item.dataJson !== undefined)).toHaveLength(3);
    expect(await objectsOf(thread.id)).toEqual(results.map((item) => item.dataRef.key).sort());
  });

  it("reads an event whose object is missing or holds other bytes as its data missing; the rest reads", async () => {
    // Prepare
    const store = await freshStore();
    const clock = steppingClock("2026-01-05T09:00:00.000Z");
    const { thread } = await createThread(store, launched(clock));
    await appendEvents(store, thread, [...bigRound(clock, 1, 100_000), ...bigRound(clock, 2, 10)]);
    const [key] = await objectsOf(thread.id);
    const lost = {
      type: "tool_result",
      data: {
        callId: "call-1",
        tool: "add",
        result: { error: expect.stringMatching(/^data missing: its object threads\//) },
      },
    };

    // Act: another body under the key, then no object at all.
    await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: '{"result":"other"}' }));
    const changed = await store.load(thread.id);
    await s3.send(new DeleteObjectCommand({ Bucket, Key: key }));
    const gone = await store.load(thread.id);
    const page = await store.readEvents(thread.id, { after: 2, limit: 10 });

    // Assess
    expect(changed?.events[2]).toMatchObject(lost);
    expect(JSON.stringify(changed?.events[2])).toMatch(/do not match the item's/);
    expect(gone?.events[2]).toMatchObject(lost);
    expect(JSON.stringify(gone?.events[2])).toMatch(/does not exist/);
    expect(gone?.events).toHaveLength(5);
    expect(gone?.events[4]).toMatchObject({ data: { callId: "call-2", result: 'line "quot' } });
    expect(page?.events.map((event) => event.type)).toEqual([
      "tool_result",
      "tool_call",
      "tool_result",
    ]);
  });

  it("leaves only an orphan object when an append loses its race; the thread reads the winner", async () => {
    // Prepare
    const store = await freshStore();
    const clock = steppingClock("2026-01-05T09:00:00.000Z");
    const { thread } = await createThread(store, launched(clock));
    const winner = bigRound(clock, 1, 200_000);
    const loser = bigRound(clock, 2, 300_000);

    // Act
    const won = await appendEvents(store, thread, winner);
    const lost = appendEvents(store, thread, loser);

    // Assess
    await expect(lost).rejects.toThrow(VersionConflictError);
    expect(await store.load(thread.id)).toEqual(won);
    // Same index, other data: the loser's object has its own key and overwrote nothing.
    expect(await objectsOf(thread.id)).toHaveLength(2);
    expect(await store.delete(thread.id)).toBe(true);
    expect(await objectsOf(thread.id)).toEqual([]);
  });

  it("serves an event's data through a link that S3 answers, only for data kept there", async () => {
    // Prepare
    const store = await freshStore();
    const clock = steppingClock("2026-01-05T09:00:00.000Z");
    const { thread } = await createThread(store, launched(clock));
    const events = bigRound(clock, 1, 1_000_000);
    await appendEvents(store, thread, events);

    // Act
    const link = await store.dataLink(thread.id, 3);
    const response = await fetch(link ?? "");

    // Assess
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(JSON.stringify(events[1]?.data));
    expect(await store.dataLink(thread.id, 2)).toBeUndefined();
    expect(await store.dataLink(thread.id, 9)).toBeUndefined();
  });

  it("without a payload bucket, fails an event over 400 KB before writing anything", async () => {
    // Prepare
    const store = await freshStore({ payloads: undefined });
    const clock = steppingClock("2026-01-05T09:00:00.000Z");
    const { thread } = await createThread(store, launched(clock));

    // Act
    const append = appendEvents(store, thread, bigRound(clock, 1, 1_000_000));

    // Assess
    await expect(append).rejects.toThrow(EventTooLargeError);
    await expect(append).rejects.toThrow(/event 3 \(tool_result\) .* configure a payload bucket/);
    expect(await store.load(thread.id)).toEqual(thread);
    const { Item: call } = await client.send(
      new GetCommand({
        TableName: store.tableName,
        Key: { pk: `THREAD#${thread.id}`, sk: "EVT#0000000001" },
      }),
    );
    expect(call).toBeUndefined();
    // Under the limit, a large event still fits its item.
    await appendEvents(store, thread, bigRound(clock, 2, 300_000));
    expect((await store.load(thread.id))?.events).toHaveLength(3);
  });

  it("puts a created thread's large events (a fork's copy) under the new thread's prefix", async () => {
    // Prepare
    const store = await freshStore();
    const clock = steppingClock("2026-01-05T09:00:00.000Z");
    const source = launched(clock);
    const events = [...source.events, ...bigRound(clock, 1, 50_000)];

    // Act
    const { thread: copy } = await createThread(store, { ...source, id: randomUUID(), events });

    // Assess
    expect(await store.load(copy.id)).toEqual(copy);
    expect(await objectsOf(copy.id)).toHaveLength(1);
    expect(await store.delete(copy.id)).toBe(true);
    expect(await objectsOf(copy.id)).toEqual([]);
  });
});
