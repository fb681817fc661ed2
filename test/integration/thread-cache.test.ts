import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { DynamoThreadStore, ensureTable } from "../../shared/aws/dynamo/index.ts";
import { eventSk, threadPk } from "../../shared/aws/dynamo/keys.ts";
import { VersionConflictError } from "../../shared/core/errors.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { type Thread, versionOf } from "../../shared/core/thread.ts";
import { CachedThreadStore } from "../../shared/runtime/thread-cache.ts";
import { itemSize } from "../bench/dynamo-size.ts";
import { meterDynamo } from "../bench/meter.ts";
import { readWorld } from "../bench/reads.ts";
import { describeThreadStoreContract } from "../contract/thread-store.contract.ts";
import { appendEvents, createThread } from "../contract/writes.ts";

const endpoints = { dynamoEndpoint: inject("dynamoEndpoint"), sqsEndpoint: inject("sqsEndpoint") };
const base = new DynamoDBClient({
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
  endpoint: endpoints.dynamoEndpoint,
});

// The decorator keeps every promise of the DynamoDB store it wraps.
describeThreadStoreContract("CachedThreadStore over DynamoThreadStore", async () => {
  const tableName = `cache-contract-${randomUUID()}`;
  await ensureTable(base, tableName);
  const client = DynamoDBDocumentClient.from(base);
  // A century of retention: the suite's clocks start in 2026-01, and DynamoDB Local's TTL deletes
  // expired items.
  return new CachedThreadStore(new DynamoThreadStore({ tableName, client, retentionDays: 36_500 }));
});

let tick = 0;
const at = () => new Date(Date.now() + tick++).toISOString();
const launched = (id: string, message: string): Thread => ({
  id,
  agent: "calculator",
  events: [{ type: "user_message", at: at(), data: { message } }],
});
const round = (n: number): ThreadEvent[] => [
  {
    type: "tool_call",
    at: at(),
    data: { callId: `call_${n}`, tool: "add", args: { a: n, b: 1 }, source: "model" },
  },
  { type: "tool_result", at: at(), data: { callId: `call_${n}`, tool: "add", result: n + 1 } },
];

describe("Class: CachedThreadStore (DynamoDB Local)", () => {
  let store: DynamoThreadStore;
  let client: DynamoDBDocumentClient;
  beforeAll(async () => {
    const tableName = `cache-${randomUUID()}`;
    await ensureTable(base, tableName);
    client = DynamoDBDocumentClient.from(base);
    store = new DynamoThreadStore({ tableName, client });
  });

  it("reads the meta item and the new event items only, as DynamoDB bills them", async () => {
    // Prepare: a thread of 40 rounds held by the cache; another writer adds one round
    const meter = meterDynamo(client);
    const cache = new CachedThreadStore(store);
    let thread = (await createThread(store, launched(`thr_${randomUUID()}`, "go"))).thread;
    for (let n = 0; n < 40; n++) thread = await appendEvents(store, thread, round(n));
    const full = await cache.load(thread.id);
    const cold = meter.take();
    const other = await appendEvents(store, thread, round(40));
    meter.take();

    // Act
    const loaded = await cache.load(thread.id);
    const warm = meter.take();

    // Assess
    expect(full).toEqual(thread);
    expect(loaded).toEqual(other);
    expect(cold).toMatchObject({ reads: 1, readItems: 82 });
    expect(warm).toMatchObject({ reads: 2, readItems: 3, readUnits: 2, writes: 0 });
    const newItems = await client.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: "pk = :pk AND sk >= :from",
        ExpressionAttributeValues: { ":pk": threadPk(thread.id), ":from": eventSk(81) },
        ConsistentRead: true,
      }),
    );
    meter.take();
    // The new events and the meta item (it sorts after the events), nothing older.
    expect(warm.readBytes).toBe((newItems.Items ?? []).reduce((sum, i) => sum + itemSize(i), 0));
    // DynamoDB Local's consumed capacity is the documented rule applied to the bytes read.
    expect(cold.readUnits).toBe(cold.ruleReadUnits);
    expect(cold.readUnits).toBe(Math.ceil(cold.readBytes / 4096));
    expect(warm.readUnits).toBe(warm.ruleReadUnits);
  });

  it("never lets a stale entry win: a stale append conflicts, a re-created thread loads whole", async () => {
    // Prepare: the cache holds a thread at version 3; another writer moves it to 5
    const cache = new CachedThreadStore(store);
    const id = `thr_${randomUUID()}`;
    const { thread } = await createThread(store, launched(id, "first"));
    const held = await appendEvents(cache, thread, round(0));
    const other = await appendEvents(store, held, round(1));

    // Act
    const conflict = await appendEvents(cache, held, round(9)).catch((error: unknown) => error);
    const afterConflict = await cache.load(id);
    await store.delete(id);
    const { thread: again } = await createThread(store, launched(id, "second"));
    const recreated = await cache.load(id);

    // Assess
    expect(conflict).toBeInstanceOf(VersionConflictError);
    expect(afterConflict).toEqual(other);
    expect(await store.load(id)).toEqual(again);
    expect(recreated).toEqual(again);
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 2 });
  });
});

describe("the worker's thread cache (DynamoDB Local + fauxqs)", () => {
  it("has a warm step read the meta item only, whatever the thread's length", async () => {
    // Prepare
    const costs = [];
    for (const length of [10, 100]) {
      const world = await readWorld(endpoints);
      const thread = await world.seed(length);
      const warm = world.worker({ cache: true });

      // Act
      const first = await world.step(warm);
      const second = await world.step(warm);
      costs.push({ version: versionOf(thread), first, second });
    }

    // Assess: the first step loads every item of the thread; the next one its meta item alone
    for (const { version, first, second } of costs) {
      expect(first).toMatchObject({ reads: 1, readItems: version + 1 });
      expect(second).toMatchObject({ reads: 1, readItems: 1, readUnits: 1, writes: 1 });
      expect(second.sqsRequests).toBe(3);
    }
    const [short, long] = costs;
    // Flat: the meta item alone, a few bytes longer as its version gains digits.
    expect(Math.abs((long?.second.readBytes ?? 0) - (short?.second.readBytes ?? 0))).toBeLessThan(
      8,
    );
    expect(long?.first.readBytes).toBeGreaterThan(5 * (short?.first.readBytes ?? 0));
  });

  it("steps a thread right when two warm workers take turns, each holding an older version", async () => {
    // Prepare
    const world = await readWorld(endpoints);
    const thread = await world.seed(3);
    const a = world.worker({ cache: true });
    const b = world.worker({ cache: true });

    // Act: a, b, a, b: each load finds the other's two events after the version it holds
    const costs = [];
    for (const worker of [a, b, a, b, a]) costs.push(await world.step(worker));
    const stepped = await world.store.load(thread.id);

    // Assess
    expect(costs.slice(2).map((cost) => cost.readItems)).toEqual([3, 3, 3]);
    expect(stepped?.events).toHaveLength(versionOf(thread) + 10);
    // Every call once, in order, each result after its own call: nothing lost or doubled.
    const events = stepped?.events ?? [];
    const calls = events.flatMap((e) => (e.type === "tool_call" ? [e.data.args] : []));
    expect(calls).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((a) => ({ a, b: 1 })));
    const results = events.flatMap((e, i) =>
      e.type === "tool_result" && events[i - 1]?.type === "tool_call" ? [e.data.result] : [],
    );
    expect(results).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
