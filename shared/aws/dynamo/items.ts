import type { TransactWriteCommandInput, UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { actor, type ThreadEvent, threadEvent } from "../../core/events.ts";
import type { Status, Thread, ThreadHead, WaitingMessage } from "../../core/thread.ts";
import { EVENT_SCHEMA_VERSION, upcast } from "../../core/upcasters.ts";
import { CorruptThreadError } from "./errors.ts";
import { fromStoredData, plainNumbers, type StoredData, toStoredData } from "./event-data.ts";
import { EVENT_PREFIX, eventSk, indexKeys, META_SK, threadPk } from "./keys.ts";

/**
 * The version of what the store writes: the item layout and the shape of the events, one number
 * (the events' shape is the core's `EVENT_SCHEMA_VERSION`; a layout change bumps it too). The meta
 * item carries the version its thread was created at, and every event item (from version 2 on)
 * the version it was written at, so a thread holds events of several versions when a newer
 * writer appends to an older thread; each event is read by its own item's version (an event item
 * without one is version 1). Bump it when a shape changes, with an upcaster for the step
 * (shared/core/upcasters.ts) and a newly recorded corpus (`test/fixtures/thread-items/`).
 *
 * - 1: the first layout.
 * - 2: token usage is `{ inputTokens, outputTokens }` (was `{ promptTokens, completionTokens }`);
 *   event items carry `schemaVersion` and no `expiresAt`: the meta item's `expiresAt` counts from
 *   the thread's last event, and the reaper deletes the rest when TTL removes the meta item.
 *
 * An event item may hold `dataRef` (its data in the payload bucket, `payloads.ts`) in place of
 * `dataJson`: the event's shape is the same, so that came without a new version; code from
 * before it reads such an item as a `CorruptThreadError` naming it, never as other data.
 *
 * The meta item may hold `queued`, the messages waiting for the step in flight (a list of
 * `{ message, at, by? }`, oldest first; absent when none wait), also without a new version:
 * an item without it holds none, and code from before it ignores it (a message queued while
 * such code still appends is delivered by the next append of this code, late but not lost).
 */
export const SCHEMA_VERSION = EVENT_SCHEMA_VERSION;

/** A raw item as the document client returns it. */
export type Item = Record<string, unknown>;

/**
 * The thread's meta item: what listing needs, the version appends are conditional on, and the
 * thread's only `expiresAt` (its last event + retention, moved on by every append).
 */
export function metaItem(input: {
  pk: string;
  threadId: string;
  agent: string;
  status: Status;
  version: number;
  createdAt: string;
  updatedAt: string;
  expiresAt: number;
  /** The launch's idempotency key, so a delete finds its item (older threads have none). */
  idempotencyKey?: string;
  /** Where a fork was taken from. */
  forkedFrom?: Thread["forkedFrom"];
}): Item {
  const { pk, threadId, agent, status, version, createdAt, updatedAt, expiresAt } = input;
  return {
    ...(input.idempotencyKey === undefined ? {} : { idempotencyKey: input.idempotencyKey }),
    ...(input.forkedFrom === undefined ? {} : { forkedFrom: input.forkedFrom }),
    pk,
    sk: META_SK,
    agent,
    status,
    version,
    createdAt,
    updatedAt,
    expiresAt,
    schemaVersion: SCHEMA_VERSION,
    ...indexKeys({ threadId, agent, status, updatedAt }),
  };
}

/**
 * The item of the event at `index` (0-based) of the thread under `pk`. It has no `expiresAt`: TTL
 * must never delete a living thread's events one by one (the meta item's expiry stands for the
 * thread; the reaper removes its events once TTL has removed the meta item). Its data is `stored`
 * when given (a `dataRef` to the payload bucket, `payloads.ts`), else inline JSON text.
 */
export function eventItem(
  pk: string,
  index: number,
  event: ThreadEvent,
  stored: StoredData = toStoredData(event.data),
): Item {
  return {
    pk,
    sk: eventSk(index),
    type: event.type,
    at: event.at,
    ...(event.by ? { by: event.by } : {}),
    ...stored,
    schemaVersion: SCHEMA_VERSION,
  };
}

/** The items of one TransactWriteItems, as the document client takes them. */
export type TransactItems = NonNullable<TransactWriteCommandInput["TransactItems"]>;

/**
 * The transaction of an append: the meta item's version moves from `expected` by the number of
 * events (the condition that makes appends exclusive), its status, `updatedAt` and index keys
 * take the head the caller handed, and its `expiresAt` moves to the last event's time plus
 * retention; each event is put where no item is yet.
 */
export function appendTransactItems(input: {
  tableName: string;
  threadId: string;
  agent: string;
  /** The thread's length as read: the version the meta item must still hold. */
  expected: number;
  events: readonly ThreadEvent[];
  /** The head of the thread with `events` appended. */
  head: ThreadHead;
  /** The thread's new expiry: its last event + retention (epoch seconds). */
  expiresAt: number;
  /** Each event's data as its item holds it (same order as `events`); default inline. */
  stored?: readonly StoredData[];
  /** How many messages waited beside the thread as read: all delivered among `events`. */
  queued?: number;
}): TransactItems {
  const { tableName: TableName, threadId, agent, expected, events, head, expiresAt } = input;
  if (events.length === 0) return [];
  const pk = threadPk(threadId);
  const keys = indexKeys({ threadId, agent, ...head });
  const queued = input.queued ?? 0;
  return [
    {
      Update: {
        TableName,
        Key: { pk, sk: META_SK },
        UpdateExpression:
          "SET #version = #version + :count, #status = :status, updatedAt = :updatedAt, " +
          "gsi1pk = :gsi1pk, gsi1sk = :gsi1sk, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk, " +
          "expiresAt = :expiresAt REMOVE #queued",
        ConditionExpression: `#version = :expected AND ${queuedIs(queued)}`,
        ExpressionAttributeNames: {
          "#version": "version",
          "#status": "status",
          "#queued": "queued",
        },
        ExpressionAttributeValues: {
          ":count": events.length,
          ":expected": expected,
          ...(queued > 0 ? { ":queued": queued } : {}),
          ":status": head.status,
          ":updatedAt": head.updatedAt,
          ":gsi1pk": keys.gsi1pk,
          ":gsi1sk": keys.gsi1sk,
          ":gsi2pk": keys.gsi2pk,
          ":gsi2sk": keys.gsi2sk,
          ":expiresAt": expiresAt,
        },
      },
    },
    ...events.map((event, offset) => ({
      Put: {
        TableName,
        Item: eventItem(pk, expected + offset, event, input.stored?.[offset]),
        ConditionExpression: "attribute_not_exists(pk)",
      },
    })),
  ];
}

/**
 * The condition that the meta item holds exactly the `count` messages the writer read: at one
 * version the list only grows (only an append, which moves the version, empties it), so its
 * length names it.
 */
const queuedIs = (count: number): string =>
  count === 0 ? "attribute_not_exists(#queued)" : "size(#queued) = :queued";

/**
 * The update that keeps one more message beside the thread, without moving its version: it
 * holds only while the meta item is still at `expected` with the `queued` messages the writer
 * read (so a step that read fewer loses its append and delivers this one on its retry).
 */
export function queueMessageUpdate(input: {
  tableName: string;
  threadId: string;
  expected: number;
  queued: number;
  message: WaitingMessage;
}): UpdateCommandInput {
  const { message } = input;
  return {
    TableName: input.tableName,
    Key: { pk: threadPk(input.threadId), sk: META_SK },
    UpdateExpression: "SET #queued = list_append(if_not_exists(#queued, :none), :message)",
    ConditionExpression: `#version = :expected AND ${queuedIs(input.queued)}`,
    ExpressionAttributeNames: { "#version": "version", "#queued": "queued" },
    ExpressionAttributeValues: {
      ":expected": input.expected,
      ":none": [],
      ":message": [
        {
          message: message.message,
          at: message.at,
          ...(message.by ? { by: message.by } : {}),
          ...(message.mayAnswer === false ? { mayAnswer: false } : {}),
        },
      ],
      ...(input.queued > 0 ? { ":queued": input.queued } : {}),
    },
  };
}

const waitingMessage = z.object({
  message: z.string(),
  at: z.string(),
  by: actor.optional(),
  mayAnswer: z.literal(false).optional(),
});

const meta = z.object({
  agent: z.string(),
  version: z.number().int().nonnegative(),
  expiresAt: z.number(),
  forkedFrom: z
    .object({ threadId: z.string(), version: z.number().int().positive(), by: actor.optional() })
    .optional(),
  queued: z.array(waitingMessage).optional(),
});

/** The messages waiting beside a thread, as its meta item holds them (none: `undefined`). */
export function readQueued(threadId: string, raw: Item): WaitingMessage[] | undefined {
  const parsed = meta.shape.queued.safeParse(raw.queued);
  if (!parsed.success) {
    throw new CorruptThreadError(threadId, META_SK, describeIssues(parsed.error), {
      cause: parsed.error,
    });
  }
  return parsed.data?.length ? parsed.data : undefined;
}

/** What one consistent read of a thread's items amounts to. */
export type ReadThread =
  | { kind: "thread"; thread: Thread | undefined }
  /** The meta item counts an event the read did not see (see `DynamoThreadStore.load`). */
  | { kind: "incomplete"; missing: string; version: number; expiresAt: number };

/**
 * The thread held by `items` (all items under its `pk`, in sort key order). A thread without its
 * meta item does not exist (any more: TTL removed it, and the reaper or a delete is removing the
 * rest; threads of schema version 1 also have `expiresAt` on their events). Events past the
 * meta item's version belong to an append that is committing right now and are left for the next
 * read.
 */
export function readThread(threadId: string, items: readonly Item[]): ReadThread {
  const metaRaw = items.find((item) => item.sk === META_SK);
  if (!metaRaw) return { kind: "thread", thread: undefined };
  const parsed = meta.safeParse(plainNumbers(metaRaw));
  if (!parsed.success) {
    throw new CorruptThreadError(threadId, META_SK, describeIssues(parsed.error), {
      cause: parsed.error,
    });
  }
  const { agent, version, expiresAt, forkedFrom, queued } = parsed.data;
  const events = new Map<string, Item>();
  for (const item of items) {
    if (typeof item.sk === "string" && item.sk.startsWith(EVENT_PREFIX)) events.set(item.sk, item);
  }
  const read: ThreadEvent[] = [];
  for (let index = 0; index < version; index++) {
    const sk = eventSk(index);
    const item = events.get(sk);
    if (!item) return { kind: "incomplete", missing: sk, version, expiresAt };
    read.push(readEvent(threadId, sk, item));
  }
  const thread: Thread = {
    id: threadId,
    agent,
    events: read,
    ...(forkedFrom ? { forkedFrom } : {}),
    ...(queued?.length ? { queued } : {}),
  };
  return { kind: "thread", thread };
}

/**
 * One event item read back, brought from its schema version to the current one (`upcast`) and
 * validated; throws `CorruptThreadError` naming the item, also for an item written by a newer
 * schema version than this code knows.
 */
export function readEvent(threadId: string, sk: string, item: Item): ThreadEvent {
  let data: unknown;
  try {
    data = plainNumbers(fromStoredData(item));
  } catch (cause) {
    throw new CorruptThreadError(threadId, sk, "dataJson is not JSON", { cause });
  }
  const version = item.schemaVersion === undefined ? 1 : Number(plainNumbers(item.schemaVersion));
  if (!(Number.isInteger(version) && version >= 1 && version <= SCHEMA_VERSION)) {
    throw new CorruptThreadError(
      threadId,
      sk,
      `schemaVersion ${String(item.schemaVersion)} is not one this code reads (1 to ${SCHEMA_VERSION})`,
    );
  }
  const by = item.by === undefined ? {} : { by: item.by };
  const stored = { type: item.type, at: item.at, ...by, data };
  const parsed = threadEvent.safeParse(upcast(stored, version, SCHEMA_VERSION));
  if (!parsed.success) {
    throw new CorruptThreadError(threadId, sk, describeIssues(parsed.error), {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join(".") || "item"}: ${issue.message}`)
    .join("; ");
}
