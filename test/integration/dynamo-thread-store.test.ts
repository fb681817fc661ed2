import { randomUUID } from "node:crypto";
import { DescribeTimeToLiveCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import { describe, expect, inject, it } from "vitest";
import {
  CorruptThreadError,
  DynamoThreadStore,
  type DynamoThreadStoreOptions,
  ensureTable,
  TooManyEventsError,
} from "../../shared/aws/dynamo/index.ts";
import { InvalidCursorError, VersionConflictError } from "../../shared/core/errors.ts";
import type { ThreadEvent } from "../../shared/core/events.ts";
import { launch } from "../../shared/core/lifecycle.ts";
import type { Clock } from "../../shared/core/ports.ts";
import type { Thread } from "../../shared/core/thread.ts";
import { calculator, createDeploybot } from "../../shared/examples/agents.ts";
import { steppingClock } from "../../shared/testing/index.ts";

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
  const store = new DynamoThreadStore({ tableName, client, ...options });
  return { store, client, base, tableName, sent };
}

/** A calculator thread launched at the clock's next tick. */
const launched = (clock: Clock, agent = calculator) =>
  launch({ agent, threadId: randomUUID(), message: "what is 3 + 4?", clock });

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

const doneEvent = (clock: Clock): ThreadEvent => ({
  type: "done",
  at: clock.now().toISOString(),
  data: { callId: "call-done", output: "7" },
});

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
    it("stores a launched thread that loads back with equal events", async () => {
      // Prepare
      const { store } = await freshStore();
      const thread = launched(steppingClock());

      // Act
      const result = await store.create({ thread });
      const loaded = await store.load(thread.id);

      // Assess
      expect(result).toEqual({ thread, created: true });
      expect(loaded).toEqual(thread);
      expect(await store.load(randomUUID())).toBeUndefined();
    });

    it("returns the first thread, not created, for a repeated idempotency key", async () => {
      // Prepare
      const { store } = await freshStore();
      const clock = steppingClock();
      const first = await store.create({ thread: launched(clock), idempotencyKey: "launch-1" });
      const again = launched(clock);

      // Act
      const second = await store.create({ thread: again, idempotencyKey: "launch-1" });

      // Assess
      expect(first.created).toBe(true);
      expect(second).toEqual({ thread: first.thread, created: false });
      expect(await store.load(again.id)).toBeUndefined();
    });

    it("creates exactly one thread when 10 creates race with one key", async () => {
      // Prepare
      const { store } = await freshStore();
      const clock = steppingClock();
      const threads = Array.from({ length: 10 }, () => launched(clock));

      // Act
      const results = await Promise.all(
        threads.map((thread) => store.create({ thread, idempotencyKey: "same-key" })),
      );

      // Assess
      const winners = results.filter((result) => result.created);
      expect(winners).toHaveLength(1);
      const winnerId = winners[0]?.thread.id;
      expect(new Set(results.map((result) => result.thread.id))).toEqual(new Set([winnerId]));
      const stored = await Promise.all(threads.map((thread) => store.load(thread.id)));
      expect(stored.filter((thread) => thread !== undefined)).toHaveLength(1);
    });

    it("refuses a thread id that exists with a VersionConflictError", async () => {
      // Prepare
      const { store } = await freshStore();
      const thread = launched(steppingClock());
      await store.create({ thread });

      // Act
      const error = await rejection(store.create({ thread }));

      // Assess
      expect(error).toBeInstanceOf(VersionConflictError);
      expect(error).toMatchObject({ threadId: thread.id, expectedVersion: 0 });
    });

    it("writes up to 90 events at once, and refuses more before sending anything", async () => {
      // Prepare
      const { store, sent } = await freshStore();
      const clock = steppingClock();
      const base = launched(clock);
      const rounds = Array.from({ length: 45 }, (_, n) => toolRound(clock, n)).flat();
      const ninety: Thread = { ...base, events: [...base.events, ...rounds.slice(0, 89)] };
      const ninetyOne: Thread = {
        ...ninety,
        id: randomUUID(),
        events: [...base.events, ...rounds],
      };

      // Act
      await store.create({ thread: ninety, idempotencyKey: "fork-1" });
      sent.length = 0;
      const error = await rejection(store.create({ thread: ninetyOne }));
      const sentForTooMany = [...sent];

      // Assess
      expect(error).toBeInstanceOf(TooManyEventsError);
      expect(error).toMatchObject({ count: 91, limit: 90 });
      expect(sentForTooMany).toEqual([]);
      expect(await store.load(ninety.id)).toEqual(ninety);
    });
  });

  describe("Method: append", () => {
    it("appends at the version read and loads the longer thread", async () => {
      // Prepare
      const { store } = await freshStore();
      const clock = steppingClock();
      const { thread: read } = await store.create({ thread: launched(clock) });
      const events = [...toolRound(clock, 1), doneEvent(clock)];

      // Act
      const appended = await store.append(read, events);

      // Assess
      expect(appended.events).toEqual([...read.events, ...events]);
      expect(await store.load(read.id)).toEqual(appended);
    });

    it("refuses a second append from the same stale read, keeping the events once", async () => {
      // Prepare
      const { store } = await freshStore();
      const clock = steppingClock();
      const { thread: read } = await store.create({ thread: launched(clock) });
      const events = toolRound(clock, 1);
      await store.append(read, events);

      // Act
      const error = await rejection(store.append(read, events));

      // Assess
      expect(error).toBeInstanceOf(VersionConflictError);
      expect(error).toMatchObject({ threadId: read.id, expectedVersion: 1 });
      expect((error as Error).cause).toMatchObject({ name: "TransactionCanceledException" });
      expect((await store.load(read.id))?.events).toEqual([...read.events, ...events]);
    });

    it("lets exactly one of 10 concurrent appends from the same read succeed", async () => {
      // Prepare
      const { store } = await freshStore();
      const clock = steppingClock();
      const { thread: read } = await store.create({ thread: launched(clock) });
      const attempts = Array.from({ length: 10 }, (_, n) => toolRound(clock, n));

      // Act
      const results = await Promise.allSettled(
        attempts.map((events) => store.append(read, events)),
      );

      // Assess
      const won = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
      const lost = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(9);
      for (const error of lost) expect(error).toBeInstanceOf(VersionConflictError);
      expect(await store.load(read.id)).toEqual(won[0]);
    });

    it("refuses an append to a thread that does not exist", async () => {
      // Prepare
      const { store } = await freshStore();
      const clock = steppingClock();
      const ghost = launched(clock);

      // Act
      const error = await rejection(store.append(ghost, toolRound(clock, 1)));

      // Assess
      expect(error).toBeInstanceOf(VersionConflictError);
      expect(await store.load(ghost.id)).toBeUndefined();
    });

    it("writes nothing for no events, and refuses more than 99 events", async () => {
      // Prepare
      const { store, sent } = await freshStore();
      const clock = steppingClock();
      const { thread: read } = await store.create({ thread: launched(clock) });
      const hundred = Array.from({ length: 50 }, (_, n) => toolRound(clock, n)).flat();
      sent.length = 0;

      // Act
      const same = await store.append(read, []);
      const error = await rejection(store.append(read, hundred));

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
      let thread = (await store.create({ thread: launched(clock) })).thread;
      const perAppend: Sent[][] = [];

      // Act: 299 appends of one event each, to 300 events
      for (let n = 0; thread.events.length < 300; n++) {
        const [call] = toolRound(clock, n);
        sent.length = 0;
        thread = await store.append(thread, [call as ThreadEvent]);
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
      let thread = (await store.create({ thread: launched(clock) })).thread;
      const events = Array.from({ length: 300 }, (_, n) => toolRound(clock, n, 4_000))
        .flat()
        .slice(0, 599);
      for (let start = 0; start < events.length; start += 99) {
        thread = await store.append(thread, events.slice(start, start + 99));
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
      const { thread: read } = await store.create({ thread: launched(clock) });
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
      const appended = await store.append(read, [call as ThreadEvent, odd]);
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
      const { thread: read } = await store.create({ thread: launched(clock) });
      await store.append(read, toolRound(clock, 1));
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
      const { thread: read } = await store.create({ thread: launched(clock) });
      await store.append(read, toolRound(clock, 1));
      await deleteEvent(client, tableName, read.id, "EVT#0000000001");

      // Act
      const error = await rejection(store.load(read.id));

      // Assess
      expect(error).toBeInstanceOf(CorruptThreadError);
      expect(error).toMatchObject({ threadId: read.id, sk: "EVT#0000000001" });
      expect((error as Error).message).toContain("is missing though the thread is at version 3");
    });

    it("loads an expired thread while whole, and treats it as gone once TTL took part of it", async () => {
      // Prepare: expired on 2026-01-02, not yet deleted
      const { store, tableName, client } = await freshStore({
        retentionDays: 1,
        clock: at("2026-01-03"),
      });
      const clock = steppingClock("2026-01-01T00:00:00.000Z");
      const { thread: read } = await store.create({ thread: launched(clock) });
      const whole = await store.append(read, toolRound(clock, 1));
      const beforeTtl = await store.load(read.id);

      // Act: TTL deletes items one by one
      await deleteEvent(client, tableName, read.id, "EVT#0000000001");
      const duringTtl = await store.load(read.id);

      // Assess
      expect(beforeTtl).toEqual(whole);
      expect(duringTtl).toBeUndefined();
    });
  });

  describe("Method: list", () => {
    it("lists a status newest first, page by page through the cursor", async () => {
      // Prepare
      const { store } = await freshStore();
      const clock = steppingClock();
      const running: Thread[] = [];
      for (let n = 0; n < 5; n++)
        running.push((await store.create({ thread: launched(clock) })).thread);
      const { thread: finished } = await store.create({ thread: launched(clock) });
      await store.append(finished, [doneEvent(clock)]);
      // An append moves a thread to the top of its status.
      const oldest = running[0] as Thread;
      const [call] = toolRound(clock, 1);
      await store.append(oldest, [call as ThreadEvent]);
      const expected = [oldest, ...running.slice(1).reverse()].map((thread) => thread.id);

      // Act
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({ status: "running", limit: 2, cursor });
        pages.push(page.threads.map((summary) => summary.threadId));
        cursor = page.next;
      } while (cursor);
      const done = await store.list({ status: "done" });

      // Assess
      expect(pages.flat()).toEqual(expected);
      expect(pages[0]).toHaveLength(2);
      expect(done).toEqual({
        threads: [
          {
            threadId: finished.id,
            agent: "calculator",
            status: "done",
            updatedAt: "2026-01-01T00:00:06.000Z",
          },
        ],
      });
    });

    it("lists an agent's threads in one status", async () => {
      // Prepare
      const { store } = await freshStore();
      const clock = steppingClock();
      const deploybot = createDeploybot();
      const { thread: calc } = await store.create({ thread: launched(clock) });
      const { thread: deploy } = await store.create({ thread: launched(clock, deploybot) });
      const { thread: deployDone } = await store.create({ thread: launched(clock, deploybot) });
      await store.append(deployDone, [doneEvent(clock)]);

      // Act
      const running = await store.list({ status: "running", agent: "deploybot" });
      const done = await store.list({ status: "done", agent: "deploybot" });
      const calculatorDone = await store.list({ status: "done", agent: "calculator" });

      // Assess
      expect(running.threads.map((summary) => summary.threadId)).toEqual([deploy.id]);
      expect(running.threads[0]).toMatchObject({ agent: "deploybot", status: "running" });
      expect(done.threads.map((summary) => summary.threadId)).toEqual([deployDone.id]);
      expect(calculatorDone.threads).toEqual([]);
      expect(calc.agent).toBe("calculator");
    });

    it("refuses a cursor it did not hand out for this listing with InvalidCursorError", async () => {
      // Prepare
      const { store } = await freshStore();
      const clock = steppingClock();
      for (let n = 0; n < 3; n++) await store.create({ thread: launched(clock) });
      const { next } = await store.list({ status: "running", limit: 1 });
      const forged = Buffer.from(JSON.stringify({ pk: "x" })).toString("base64url");

      // Act
      const errors = await Promise.all([
        rejection(store.list({ status: "running", cursor: "not a cursor!" })),
        rejection(store.list({ status: "running", cursor: "bm90LWpzb24" })),
        rejection(store.list({ status: "running", cursor: forged })),
        rejection(store.list({ status: "done", cursor: next })),
        rejection(store.list({ status: "running", agent: "calculator", cursor: next })),
      ]);

      // Assess
      expect(next).toEqual(expect.any(String));
      for (const error of errors) {
        expect(error).toBeInstanceOf(InvalidCursorError);
        expect((error as Error).message).toMatch(/^invalid cursor \(.+\): pass the `next` value/);
      }
    });
  });

  describe("Time to live", () => {
    it("stamps every item of a thread with the same expiresAt, on a table with TTL on", async () => {
      // Prepare
      const { store, client, base, tableName } = await freshStore({ retentionDays: 7 });
      const clock = steppingClock("2026-03-01T12:00:00.000Z");
      const { thread: read } = await store.create({
        thread: launched(clock),
        idempotencyKey: "ttl-key",
      });

      // Act
      await store.append(read, toolRound(clock, 1));

      // Assess
      const expiresAt = Date.parse("2026-03-01T12:00:00.000Z") / 1000 + 7 * 86_400;
      const { Items: items = [] } = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": `THREAD#${read.id}` },
        }),
      );
      expect(items.map((item) => [item.sk, item.expiresAt])).toEqual([
        ["EVT#0000000000", expiresAt],
        ["EVT#0000000001", expiresAt],
        ["EVT#0000000002", expiresAt],
        ["META", expiresAt],
      ]);
      expect(items.at(-1)).toMatchObject({ version: 3, schemaVersion: 1, status: "running" });
      const { Item: key } = await client.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: "IDEMPOTENCY#ttl-key", sk: "IDEMPOTENCY" },
        }),
      );
      expect(key).toMatchObject({ threadId: read.id, expiresAt });
      const ttl = await base.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
      expect(ttl.TimeToLiveDescription).toEqual({
        TimeToLiveStatus: "ENABLED",
        AttributeName: "expiresAt",
      });
    });
  });
});

describe("Function: ensureTable", () => {
  it("leaves an existing thread table as it is when called again", async () => {
    // Prepare
    const { base, store, tableName } = await freshStore();
    const thread = launched(steppingClock());
    await store.create({ thread });

    // Act
    await ensureTable(base, tableName);

    // Assess
    expect(await store.load(thread.id)).toEqual(thread);
  });
});
