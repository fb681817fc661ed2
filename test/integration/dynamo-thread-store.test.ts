import { randomUUID } from "node:crypto";
import { DescribeTimeToLiveCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { describe, expect, inject, it } from "vitest";
import {
  CorruptThreadError,
  DynamoThreadStore,
  type DynamoThreadStoreOptions,
  ensureTable,
  TooManyEventsError,
} from "../../shared/aws/dynamo/index.ts";
import { VersionConflictError } from "../../shared/core/errors.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import type { Clock } from "../../shared/core/ports.ts";
import type { Thread } from "../../shared/core/thread.ts";
import { calculator } from "../../shared/examples/agents.ts";
import { steppingClock } from "../../shared/testing/index.ts";
import { appendEvents, createThread } from "../contract/writes.ts";

const local = {
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
};

/** One request as it went over the wire. */
interface Sent {
  command: string;
  bytes: number;
  /** How many items a TransactWriteItems request holds. */
  transactItems?: number;
}

/**
 * A store on a fresh table in DynamoDB Local, and a log of every request its client sends,
 * recorded from the serialized HTTP body (what DynamoDB is asked to write, byte for byte).
 */
async function freshStore(options: Partial<DynamoThreadStoreOptions> = {}) {
  const base = new DynamoDBClient({ ...local, endpoint: inject("dynamoEndpoint") });
  const sent: Sent[] = [];
  base.middlewareStack.add(
    (next, context) => async (args) => {
      const raw = (args.request as { body?: unknown }).body;
      const body = raw instanceof Uint8Array ? new TextDecoder().decode(raw) : String(raw ?? "");
      const parsed = JSON.parse(body || "{}") as { TransactItems?: unknown[] };
      sent.push({
        command: context.commandName ?? "unknown",
        bytes: Buffer.byteLength(body),
        transactItems: parsed.TransactItems?.length,
      });
      return next(args);
    },
    { step: "build", name: "recordRequests" },
  );
  const client = DynamoDBDocumentClient.from(base);
  const tableName = `threads-${randomUUID()}`;
  await ensureTable(base, tableName);
  sent.length = 0;
  // A century of retention unless a test sets one: DynamoDB Local's TTL deletes expired items,
  // and the tests' clocks start in 2026-01.
  const store = new DynamoThreadStore({ tableName, client, retentionDays: 36_500, ...options });
  return { store, client, base, tableName, sent };
}

/** A calculator thread launched at the clock's next tick. */
const launched = (clock: Clock) =>
  launch({ agent: calculator, threadId: randomUUID(), message: "what is 3 + 4?", clock });

/** A tool call and its result, the bulk of any real thread; `size` pads the result. */
function toolRound(clock: Clock, n: number, size = 0): ThreadEvent[] {
  const callId = `call-${String(n).padStart(6, "0")}`;
  return [
    {
      type: "tool_call",
      at: clock.now().toISOString(),
      data: { callId, tool: "add", args: { a: n, b: 1 }, source: "model" },
    },
    {
      type: "tool_result",
      at: clock.now().toISOString(),
      data: { callId, tool: "add", result: { sum: n + 1, note: "x".repeat(size) } },
    },
  ];
}

/** A clock stopped at `day` (midnight UTC). */
const at = (day: string): Clock => ({ now: () => new Date(`${day}T00:00:00.000Z`) });

/** Deletes one event item by hand, as TTL or damage would. */
const deleteEvent = (client: DynamoDBDocumentClient, table: string, id: string, sk: string) =>
  client.send(new DeleteCommand({ TableName: table, Key: { pk: `THREAD#${id}`, sk } }));

/** `promise`'s rejection (fails the test if it resolves). */
const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => expect.fail("expected a rejection"),
    (error: unknown) => error,
  );

describe("Class: DynamoThreadStore", () => {
  describe("Method: create", () => {
    it("writes a thread of up to 90 events in one transaction, and a longer fork meta item last", async () => {
      // Prepare
      const { store, sent } = await freshStore();
      const clock = steppingClock();
      const base = launched(clock);
      const rounds = Array.from({ length: 120 }, (_, n) => toolRound(clock, n)).flat();
      const ninety: Thread = { ...base, events: [...base.events, ...rounds.slice(0, 89)] };
      const long: Thread = {
        ...base,
        id: randomUUID(),
        events: [...base.events, ...rounds],
        forkedFrom: { threadId: base.id, version: 241 },
      };

      // Act
      await createThread(store, ninety, "fork-1");
      const forNinety = [...sent];
      sent.length = 0;
      await createThread(store, long);
      const forLong = [...sent];

      // Assess
      expect(forNinety.map((r) => r.transactItems)).toEqual([92]); // meta, 90 events, the key
      // The 241 events in transactions of 100, then the meta item alone: until it is written, no
      // read sees the thread.
      expect(forLong.map((r) => [r.command, r.transactItems])).toEqual([
        ["TransactWriteItemsCommand", 100],
        ["TransactWriteItemsCommand", 100],
        ["TransactWriteItemsCommand", 41],
        ["TransactWriteItemsCommand", 1],
      ]);
      expect(await store.load(ninety.id)).toEqual(ninety);
      expect(await store.load(long.id)).toEqual(long);
    });
  });

  describe("Method: append", () => {
    it("turns the cancelled transaction of a stale append into a VersionConflictError", async () => {
      // Prepare
      const { store } = await freshStore();
      const clock = steppingClock();
      const { thread: read } = await createThread(store, launched(clock));
      const events = toolRound(clock, 1);
      await appendEvents(store, read, events);

      // Act
      const error = await rejection(appendEvents(store, read, events));

      // Assess
      expect(error).toBeInstanceOf(VersionConflictError);
      expect(error).toMatchObject({ threadId: read.id, expectedVersion: 1 });
      expect((error as Error).cause).toMatchObject({ name: "TransactionCanceledException" });
      expect((await store.load(read.id))?.events).toEqual([...read.events, ...events]);
    });

    it("writes nothing for no events, and refuses more than 99 events", async () => {
      // Prepare
      const { store, sent } = await freshStore();
      const clock = steppingClock();
      const { thread: read } = await createThread(store, launched(clock));
      const hundred = Array.from({ length: 50 }, (_, n) => toolRound(clock, n)).flat();
      sent.length = 0;

      // Act
      const same = await appendEvents(store, read, []);
      const error = await rejection(appendEvents(store, read, hundred));

      // Assess
      expect(same).toBe(read);
      expect(error).toBeInstanceOf(TooManyEventsError);
      expect(error).toMatchObject({ count: 100, limit: 99 });
      expect(sent).toEqual([]);
    });

    it("sends the same small request for every append, however long the thread", async () => {
      // Prepare
      const { store, sent } = await freshStore();
      const clock = steppingClock();
      let thread = (await createThread(store, launched(clock))).thread;
      const perAppend: Sent[][] = [];

      // Act: 299 appends of one event each, to 300 events
      for (let n = 0; thread.events.length < 300; n++) {
        const [call] = toolRound(clock, n);
        sent.length = 0;
        thread = await appendEvents(store, thread, [call as ThreadEvent]);
        perAppend.push([...sent]);
      }

      // Assess: one TransactWriteItems per append, holding the meta update and the new event
      // only; its size does not grow with the thread (only the version's digits change)
      expect(perAppend).toHaveLength(299);
      for (const requests of perAppend) {
        expect(requests).toEqual([
          { command: "TransactWriteItemsCommand", bytes: expect.any(Number), transactItems: 2 },
        ]);
      }
      const sizes = perAppend.map((requests) => requests[0]?.bytes ?? 0);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(8);
      expect(Math.max(...sizes)).toBeLessThan(2_000);
      expect((await store.load(thread.id))?.events).toEqual(thread.events);
    });

    it("holds a thread far larger than one 400 KB item, loading all its pages", async () => {
      // Prepare: 1 + 599 events, 300 of them ~4 KB results: about 1.3 MB in all
      const { store, sent } = await freshStore();
      const clock = steppingClock();
      let thread = (await createThread(store, launched(clock))).thread;
      const events = Array.from({ length: 300 }, (_, n) => toolRound(clock, n, 4_000))
        .flat()
        .slice(0, 599);
      for (let start = 0; start < events.length; start += 99) {
        thread = await appendEvents(store, thread, events.slice(start, start + 99));
      }
      sent.length = 0;

      // Act
      const loaded = await store.load(thread.id);

      // Assess
      expect(JSON.stringify(thread).length).toBeGreaterThan(1_000_000);
      expect(loaded?.events).toHaveLength(600);
      expect(loaded).toEqual(thread);
      expect(sent.filter((s) => s.command === "QueryCommand").length).toBeGreaterThan(1);
    });

    it("round-trips any JSON data exactly, as JSON text, key order included", async () => {
      // Prepare
      const { store, client, tableName } = await freshStore();
      const clock = steppingClock();
      const { thread: read } = await createThread(store, launched(clock));
      let deep: unknown = "bottom";
      for (let level = 0; level < 40; level++) deep = { level, deep };
      const result = { big: 2 ** 60, huge: 1e200, tiny: 1e-200, "": "empty key", deep };
      const [call] = toolRound(clock, 1);
      const odd: ThreadEvent = {
        type: "tool_result",
        at: clock.now().toISOString(),
        data: { callId: "call-000001", tool: "multiply", result },
      };

      // Act
      const appended = await appendEvents(store, read, [call as ThreadEvent, odd]);
      const loaded = await store.load(read.id);

      // Assess
      expect(loaded).toEqual(appended);
      const raw = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :evt)",
          ExpressionAttributeValues: { ":pk": `THREAD#${read.id}`, ":evt": "EVT#" },
        }),
      );
      for (const item of raw.Items ?? [])
        expect(item).toMatchObject({ dataJson: expect.any(String) });
      expect(raw.Items?.[2]?.dataJson).toBe(JSON.stringify(odd.data));
    });
  });

  describe("Method: load", () => {
    it("throws a CorruptThreadError naming the thread and item for a corrupt event", async () => {
      // Prepare
      const { store, client, tableName } = await freshStore();
      const clock = steppingClock();
      const { thread: read } = await createThread(store, launched(clock));
      await appendEvents(store, read, toolRound(clock, 1));
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: `THREAD#${read.id}`,
            sk: "EVT#0000000001",
            type: "tool_call",
            at: "yesterday",
            data: { callId: 42 },
          },
        }),
      );

      // Act
      const error = await rejection(store.load(read.id));

      // Assess
      expect(error).toBeInstanceOf(CorruptThreadError);
      expect(error).toMatchObject({ threadId: read.id, sk: "EVT#0000000001" });
      expect((error as Error).message).toContain(`thread ${read.id}`);
      expect((error as Error).message).toContain("EVT#0000000001");
      expect((error as Error).message).toContain("at:");
    });

    it("throws a CorruptThreadError for an event the meta item counts but the table lacks", async () => {
      // Prepare
      const { store, client, tableName } = await freshStore({ clock: at("2026-01-02") });
      const clock = steppingClock();
      const { thread: read } = await createThread(store, launched(clock));
      await appendEvents(store, read, toolRound(clock, 1));
      await deleteEvent(client, tableName, read.id, "EVT#0000000001");

      // Act
      const error = await rejection(store.load(read.id));

      // Assess
      expect(error).toBeInstanceOf(CorruptThreadError);
      expect(error).toMatchObject({ threadId: read.id, sk: "EVT#0000000001" });
      expect((error as Error).message).toContain("is missing though the thread is at version 3");
    });

    it("loads an expired thread while whole, and treats it as gone once TTL took part of it", async () => {
      // Prepare: expired on 2100-01-02, not yet deleted
      const { store, tableName, client } = await freshStore({
        retentionDays: 1,
        clock: at("2100-01-03"),
      });
      const clock = steppingClock("2100-01-01T00:00:00.000Z");
      const { thread: read } = await createThread(store, launched(clock));
      const whole = await appendEvents(store, read, toolRound(clock, 1));
      const beforeTtl = await store.load(read.id);

      // Act: TTL deletes items one by one
      await deleteEvent(client, tableName, read.id, "EVT#0000000001");
      const duringTtl = await store.load(read.id);

      // Assess
      expect(beforeTtl).toEqual(whole);
      expect(duringTtl).toBeUndefined();
    });
  });

  describe("Method: delete", () => {
    it("removes every item, the launch key too, in transactions of at most 100 items", async () => {
      // Prepare: 1 + 2 * 98 = 197 events, launched with a key
      const { store, client, tableName, sent } = await freshStore();
      const clock = steppingClock();
      let { thread } = await createThread(store, launched(clock), "delete-key");
      for (let batch = 0; batch < 2; batch++) {
        const rounds = Array.from({ length: 49 }, (_, n) => toolRound(clock, batch * 49 + n));
        thread = await appendEvents(store, thread, rounds.flat());
      }
      sent.length = 0;

      // Act
      const deleted = await store.delete(thread.id);

      // Assess: META and key first, then 100 + 97 events
      expect(deleted).toBe(true);
      const transactions = sent.filter(
        (request) => request.command === "TransactWriteItemsCommand",
      );
      expect(transactions.map((request) => request.transactItems)).toEqual([2, 100, 97]);
      const left = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": `THREAD#${thread.id}` },
          ConsistentRead: true,
        }),
      );
      expect(left.Items).toEqual([]);
      const key = await client.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: "IDEMPOTENCY#delete-key", sk: "IDEMPOTENCY" },
          ConsistentRead: true,
        }),
      );
      expect(key.Item).toBeUndefined();
    });

    it("finishes a delete that crashed after the meta item, answering false", async () => {
      // Prepare: a crash left the events without their meta item
      const { store, client, tableName } = await freshStore();
      const clock = steppingClock();
      const { thread } = await createThread(store, launched(clock));
      await appendEvents(store, thread, toolRound(clock, 1));
      await client.send(
        new DeleteCommand({ TableName: tableName, Key: { pk: `THREAD#${thread.id}`, sk: "META" } }),
      );

      // Act
      const deleted = await store.delete(thread.id);

      // Assess
      expect(deleted).toBe(false);
      const left = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": `THREAD#${thread.id}` },
          ConsistentRead: true,
        }),
      );
      expect(left.Items).toEqual([]);
    });

    it("deletes a thread stored before the meta item named its key", async () => {
      // Prepare: an older meta item, without idempotencyKey
      const { store, client, tableName } = await freshStore();
      const clock = steppingClock();
      const { thread } = await createThread(store, launched(clock));
      const meta = await client.send(
        new GetCommand({ TableName: tableName, Key: { pk: `THREAD#${thread.id}`, sk: "META" } }),
      );
      const { idempotencyKey: _none, ...older } = meta.Item ?? {};
      await client.send(new PutCommand({ TableName: tableName, Item: older }));

      // Act
      const deleted = await store.delete(thread.id);

      // Assess
      expect(deleted).toBe(true);
      expect(await store.load(thread.id)).toBeUndefined();
    });
  });

  describe("Method: readEvents", () => {
    it("reads only the items after the version asked for, not the whole thread", async () => {
      // Prepare
      const { store, sent } = await freshStore();
      const clock = steppingClock();
      let { thread } = await createThread(store, launched(clock));
      thread = await appendEvents(
        store,
        thread,
        Array.from({ length: 40 }, (_, n) => toolRound(clock, n)).flat(),
      );
      sent.length = 0;

      // Act
      const page = await store.readEvents(thread.id, { after: 70, limit: 5 });

      // Assess
      expect(page).toEqual({ events: thread.events.slice(70, 75), version: 81 });
      expect(sent.map((request) => request.command)).toEqual(["GetItemCommand", "QueryCommand"]);
    });
  });

  describe("Time to live", () => {
    // Times in 2100: DynamoDB Local's TTL deletes what has expired by the real clock.

    /** Every item of the thread under `id`, as stored. */
    const itemsOf = async (client: DynamoDBDocumentClient, tableName: string, id: string) => {
      const { Items = [] } = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": `THREAD#${id}` },
        }),
      );
      return Items;
    };
    const seconds = (iso: string) => Date.parse(iso) / 1000;

    it("moves the meta item's expiresAt to the last event + retention on create and every append; events carry none", async () => {
      // Prepare
      const { store, client, base, tableName } = await freshStore({ retentionDays: 7 });
      const clock = steppingClock("2100-03-01T12:00:00.000Z");
      const { thread: read } = await createThread(store, launched(clock), "ttl-key");
      const afterCreate = await itemsOf(client, tableName, read.id);
      const later = steppingClock("2100-05-20T08:00:00.000Z");

      // Act
      await appendEvents(store, read, toolRound(later, 1));

      // Assess: created at 12:00:00, appended at 08:00:00 and 08:00:01
      const days7 = 7 * 86_400;
      expect(afterCreate.find((item) => item.sk === "META")?.expiresAt).toBe(
        seconds("2100-03-01T12:00:00.000Z") + days7,
      );
      const items = await itemsOf(client, tableName, read.id);
      expect(items.map((item) => [item.sk, item.expiresAt])).toEqual([
        ["EVT#0000000000", undefined],
        ["EVT#0000000001", undefined],
        ["EVT#0000000002", undefined],
        ["META", seconds("2100-05-20T08:00:01.000Z") + days7],
      ]);
      expect(items.at(-1)).toMatchObject({ version: 3, schemaVersion: 2, status: "running" });
      const { Item: key } = await client.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: "IDEMPOTENCY#ttl-key", sk: "IDEMPOTENCY" },
        }),
      );
      // The key counts from the launch: it expires no later than its thread.
      expect(key).toMatchObject({
        threadId: read.id,
        expiresAt: seconds("2100-03-01T12:00:00.000Z") + days7,
      });
      const ttl = await base.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
      expect(ttl.TimeToLiveDescription).toEqual({
        TimeToLiveStatus: "ENABLED",
        AttributeName: "expiresAt",
      });
    });

    it("loads a thread launched longer ago than retention whose last event is recent, and never takes its gaps for expiry", async () => {
      // Prepare: launched in January, waiting for approval until June; read in July, 90 days on
      const { store, client, tableName } = await freshStore({
        retentionDays: 90,
        clock: at("2100-07-01"),
      });
      const { thread: read } = await createThread(
        store,
        launched(steppingClock("2100-01-02T00:00:00.000Z")),
      );
      const answered = await appendEvents(
        store,
        read,
        toolRound(steppingClock("2100-06-15T00:00:00.000Z"), 1),
      );

      // Act
      const loaded = await store.load(read.id);
      const page = await store.readEvents(read.id, { after: 0, limit: 10 });
      await deleteEvent(client, tableName, read.id, "EVT#0000000001");
      const damaged = await rejection(store.load(read.id));

      // Assess: launch + 90 days is 2100-04-02, long past; last event + 90 days is 2100-09-13
      expect(loaded).toEqual(answered);
      expect(page?.events).toEqual(answered.events);
      expect(damaged).toBeInstanceOf(CorruptThreadError);
    });

    it("still reads a thread whose older event items carry an expiresAt (schema 1), and drops it from the event items it appends", async () => {
      // Prepare: a thread written before, its event items stamped with launch + retention
      const { store, client, tableName } = await freshStore({ retentionDays: 7 });
      const clock = steppingClock("2100-03-01T12:00:00.000Z");
      const { thread: read } = await createThread(store, launched(clock));
      const old = seconds("2100-03-01T12:00:00.000Z") + 7 * 86_400;
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `THREAD#${read.id}`, sk: "EVT#0000000000" },
          UpdateExpression: "SET expiresAt = :old",
          ExpressionAttributeValues: { ":old": old },
        }),
      );

      // Act
      const appended = await appendEvents(store, read, toolRound(clock, 1));

      // Assess
      expect(await store.load(read.id)).toEqual(appended);
      const items = await itemsOf(client, tableName, read.id);
      expect(items.map((item) => item.expiresAt)).toEqual([
        old,
        undefined,
        undefined,
        seconds("2100-03-01T12:00:02.000Z") + 7 * 86_400,
      ]);
    });
  });
});

describe("Function: ensureTable", () => {
  it("leaves an existing thread table as it is when called again", async () => {
    // Prepare
    const { base, store, tableName } = await freshStore();
    const thread = launched(steppingClock());
    await createThread(store, thread);

    // Act
    await ensureTable(base, tableName);

    // Assess
    expect(await store.load(thread.id)).toEqual(thread);
  });
});
