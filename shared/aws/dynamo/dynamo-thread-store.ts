import { setTimeout as sleep } from "node:timers/promises";
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  type DynamoDBClientConfig,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import {
  ConfigError,
  IdempotencyKeyReusedError,
  TwelveError,
  VersionConflictError,
} from "../../core/errors.ts";
import type { ThreadEvent } from "../../core/events.ts";
import type {
  Clock,
  CreateThreadInput,
  EventsPage,
  EventsQuery,
  ListThreadsQuery,
  ThreadStore,
  ThreadSummary,
} from "../../core/ports.ts";
import { statuses, type Thread, type ThreadHead, type WaitingMessage } from "../../core/thread.ts";
import type { PayloadStore } from "../s3/payload-store.ts";
import { decodeCursor, encodeCursor, type IndexKey } from "./cursor.ts";
import { CorruptThreadError, TooManyEventsError } from "./errors.ts";
import {
  appendTransactItems,
  eventItem,
  type Item,
  metaItem,
  queueMessageUpdate,
  readEvent,
  readQueued,
  readThread,
  type TransactItems,
} from "./items.ts";
import {
  agentPk,
  EVENT_PREFIX,
  eventSk,
  IDEMPOTENCY_SK,
  idempotencyPk,
  META_SK,
  statusPk,
  THREAD_PREFIX,
  threadPk,
} from "./keys.ts";
import { listAllStatuses } from "./list-all.ts";
import {
  DEFAULT_PAYLOAD_THRESHOLD_BYTES,
  MAX_PAYLOAD_THRESHOLD_BYTES,
  type PayloadPolicy,
  payloadPrefix,
  prepareData,
  restorePayloads,
  writeObjects,
} from "./payloads.ts";
import { DYNAMO_RETRY } from "./retries.ts";
import { byAgentIndex, byStatusIndex, type ThreadIndex, threadTable } from "./table.ts";
import { cancellationCodes, transactWrite } from "./transactions.ts";

export interface DynamoThreadStoreOptions {
  /** The table `ensureTable` (or the CDK app) created. */
  tableName: string;
  /** A ready document client (shared, instrumented, or pointing at DynamoDB Local). */
  client?: DynamoDBDocumentClient;
  /**
   * Options for the client built when `client` is omitted (region and credentials from env); its
   * retry policy is `DYNAMO_RETRY` (standard mode, 5 attempts) unless these set their own.
   */
  clientConfig?: DynamoDBClientConfig;
  /**
   * How long a thread is kept after its last event, in days. Default 90. A thread that waits
   * (for an approval, for a person) is kept as long as it waits less than this since its last
   * event; every append starts the count again. The launch's idempotency key is kept this long
   * after the launch.
   */
  retentionDays?: number;
  /**
   * Tells a thread that TTL is deleting (expired, partly gone) from a damaged one. Pass the clock
   * that stamps the events. Default: the system clock.
   */
  clock?: Clock;
  /**
   * Where event data too large for an item goes (an `S3PayloadStore` on the payload bucket): the
   * item keeps a pointer and a hash, and a read restores the data (`payloads.ts`). Without it,
   * an event whose item would pass DynamoDB's 400 KB fails with `EventTooLargeError` before
   * anything is written.
   */
  payloads?: PayloadStore;
  /**
   * Event data whose JSON text is longer than this many bytes goes to `payloads`. Default 32 KB
   * (32,768), at most 350,000 (an append of 99 events must stay within a transaction's 4 MB).
   */
  payloadThresholdBytes?: number;
}

/**
 * A create writes the meta item, the idempotency item and the events in one transaction (at most
 * 100 items). Launches hold one event; a fork of a long thread may hold more, and then its events
 * are written before its meta item (see `create`).
 */
export const MAX_CREATE_EVENTS = 90;
/** An append writes the meta item and the events in one transaction of at most 100 items. */
export const MAX_APPEND_EVENTS = 99;

const DAY_SECONDS = 86_400;
const DEFAULT_LIMIT = 50;
const LOAD_ATTEMPTS = 4;
const CREATE_ATTEMPTS = 4;
/** TransactWriteItems holds at most 100 items. */
const TRANSACTION_ITEMS = 100;
const DELETE_BATCH = TRANSACTION_ITEMS;
/** How long a link to an event's data object serves it (`dataLink`). */
const DATA_LINK_SECONDS = 900;

const systemClock: Clock = { now: () => new Date() };

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

/**
 * The `ThreadStore` port on one DynamoDB table. A thread is an item collection: a `META` item
 * (agent, status, version, times, index keys) and one small item per event, so an append writes
 * only its new events plus the meta item, whatever the thread's length, and a thread has no size
 * cap. The meta item's status and `updatedAt` are the `ThreadHead` the caller hands over: the
 * store derives nothing from the events. Appends are one transaction conditional on the meta
 * item's version; listings query two global secondary indexes (by status, by agent and status),
 * never scan. The meta item carries `expiresAt` (last event + `retentionDays`, moved by every
 * append) for DynamoDB TTL, the idempotency item its own (launch + `retentionDays`); event items
 * carry none, so TTL never deletes a living thread's events. When TTL removes the meta item the
 * reaper (`functions/handlers/reaper.ts`, on the table's stream) calls `delete` for the rest.
 * Event data is stored as JSON text, `dataJson` (see `event-data.ts`); with a payload bucket
 * (`payloads`), data over `payloadThresholdBytes` (32 KB) goes to S3 and the item keeps a pointer
 * and its hash (`payloads.ts`), so an event has no size cap but the function's memory.
 *
 * Limits: an append holds at most 99 events (one transaction holds 100 items; a create of more
 * than 90 writes its events first, its meta item last); without a payload bucket, one event must
 * fit one item (400 KB), else `EventTooLargeError` before anything is written.
 * Throttles and transaction conflicts are retried with backoff (`retries.ts`); SDK errors other
 * than failed conditions, and what outlasts the retries, propagate unchanged.
 *
 * @example
 * const store = new DynamoThreadStore({ tableName: process.env.THREADS_TABLE ?? "threads" });
 * const { thread } = await store.create({
 *   thread: launched,
 *   head: deriveHead(launched.events),
 *   idempotencyKey: "req-42",
 * });
 * // VersionConflictError if someone was first:
 * const next = await store.append(thread, events, headAfter({ events, next: action }));
 */
export class DynamoThreadStore implements ThreadStore {
  readonly tableName: string;
  private readonly client: DynamoDBDocumentClient;
  private readonly retentionSeconds: number;
  private readonly clock: Clock;
  private readonly payloads: PayloadPolicy;

  constructor(options: DynamoThreadStoreOptions) {
    const retentionDays = options.retentionDays ?? 90;
    if (!(retentionDays > 0 && Number.isFinite(retentionDays))) {
      throw new ConfigError(
        `retentionDays must be a positive number of days, got ${retentionDays}`,
      );
    }
    this.tableName = options.tableName;
    this.client =
      options.client ??
      DynamoDBDocumentClient.from(new DynamoDBClient({ ...DYNAMO_RETRY, ...options.clientConfig }));
    this.retentionSeconds = Math.round(retentionDays * DAY_SECONDS);
    this.clock = options.clock ?? systemClock;
    const thresholdBytes = options.payloadThresholdBytes ?? DEFAULT_PAYLOAD_THRESHOLD_BYTES;
    if (
      !(
        Number.isInteger(thresholdBytes) &&
        thresholdBytes > 0 &&
        thresholdBytes <= MAX_PAYLOAD_THRESHOLD_BYTES
      )
    ) {
      throw new ConfigError(
        `payloadThresholdBytes must be a whole number of bytes from 1 to ${MAX_PAYLOAD_THRESHOLD_BYTES}, got ${thresholdBytes}`,
      );
    }
    this.payloads = { payloads: options.payloads, thresholdBytes };
  }

  /**
   * Writes a new thread with its meta item and, given a key, an idempotency item, in one
   * transaction. A thread of more than 90 events (a fork of a long thread) has its event items
   * written first, in transactions of 100, and the meta item last: until the meta item exists no
   * read or listing sees the thread, so it still appears whole or not at all (a crash in between
   * leaves event items nobody reads and no TTL removes, since event items carry no `expiresAt`;
   * a delete of that thread id removes them). A key seen before
   * returns the thread it created, with `created: false`, however many creates race; a thread id
   * that exists already is a `VersionConflictError` at version 0.
   *
   * @example
   * const head = deriveHead(launched.events);
   * const { thread, created } = await store.create({ thread: launched, head, idempotencyKey });
   */
  async create({ thread, head, idempotencyKey, fingerprint }: CreateThreadInput) {
    const count = thread.events.length;
    const first = thread.events[0];
    if (!first) {
      throw new TwelveError(
        `thread ${thread.id} has no events: a thread starts with its first one`,
      );
    }
    const pk = threadPk(thread.id);
    const last = thread.events[count - 1] as ThreadEvent;
    // Large data goes to the payload bucket first: no item is written that points nowhere.
    const stored = thread.events.map((event, index) =>
      prepareData(thread.id, index, event, this.payloads),
    );
    await writeObjects(this.payloads.payloads, stored);
    const early = count > MAX_CREATE_EVENTS;
    if (early) {
      for (let start = 0; start < count; start += TRANSACTION_ITEMS) {
        const chunk = thread.events.slice(start, start + TRANSACTION_ITEMS);
        await transactWrite(this.client, {
          TransactItems: chunk.map((event, offset) => ({
            Put: {
              TableName: this.tableName,
              Item: eventItem(pk, start + offset, event, stored[start + offset]?.stored),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          })),
        });
      }
    }
    const items: TransactItems = [
      {
        Put: {
          TableName: this.tableName,
          Item: metaItem({
            pk,
            threadId: thread.id,
            agent: thread.agent,
            status: head.status,
            version: count,
            createdAt: first.at,
            updatedAt: head.updatedAt,
            expiresAt: this.expiresAt(last.at),
            ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
            ...(thread.forkedFrom ? { forkedFrom: thread.forkedFrom } : {}),
          }),
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      ...(early ? [] : thread.events).map((event, index) => ({
        Put: {
          TableName: this.tableName,
          Item: eventItem(pk, index, event, stored[index]?.stored),
        },
      })),
    ];
    if (idempotencyKey !== undefined) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            pk: idempotencyPk(idempotencyKey),
            sk: IDEMPOTENCY_SK,
            threadId: thread.id,
            createdAt: first.at,
            // The launch + retention: a retry of a launch comes soon after it; a key is not held
            // for as long as its thread lives (it expires no later than the thread's meta item).
            expiresAt: this.expiresAt(first.at),
            ...(fingerprint === undefined ? {} : { fingerprint }),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      });
    }
    const keyIndex = items.length - 1;
    for (let attempt = 1; ; attempt++) {
      try {
        await transactWrite(this.client, { TransactItems: items });
        return { thread, created: true };
      } catch (error) {
        const codes = cancellationCodes(error);
        if (idempotencyKey !== undefined && codes?.[keyIndex] === "ConditionalCheckFailed") {
          const existing = await this.threadOfKey(idempotencyKey, fingerprint);
          if (existing) return { thread: existing, created: false };
          // TTL deleted the key between our write and our read: it is free now, try again.
          if (attempt < CREATE_ATTEMPTS) continue;
        }
        if (codes?.[0] === "ConditionalCheckFailed") {
          throw new VersionConflictError(thread.id, 0, { cause: error });
        }
        throw error;
      }
    }
  }

  /**
   * The thread with all its events, read consistently (every page of its item collection), or
   * `undefined` when it does not exist (or has expired and TTL has begun deleting it). Every event
   * is validated against the event schema: a corrupt or missing item throws `CorruptThreadError`
   * naming the thread and the item.
   *
   * @example
   * const thread = await store.load(threadId);
   * if (!thread) throw new ThreadNotFoundError(threadId);
   */
  async load(threadId: string): Promise<Thread | undefined> {
    for (let attempt = 1; ; attempt++) {
      const items = await this.withPayloads(threadId, await this.itemsOf(threadId));
      if (!items) return undefined;
      const read = readThread(threadId, items);
      if (read.kind === "thread") return read.thread;
      // An expired thread being deleted (schema 1 events expire one by one): no thread.
      if (read.expiresAt <= this.nowSeconds()) return undefined;
      // A query is not a snapshot: it can see an append's new meta item but not yet its last
      // events, which are committed and show up on the next read. A gap that stays is damage.
      if (attempt >= LOAD_ATTEMPTS) {
        throw new CorruptThreadError(
          threadId,
          read.missing,
          `the item is missing though the thread is at version ${read.version}`,
        );
      }
      await sleep(25 * attempt);
    }
  }

  /**
   * Appends `events` if the stored thread is still at the version of `read` (its number of
   * events), in one transaction that writes the new event items and updates the meta item's
   * version, its status and `updatedAt` (from `head`, the head of `read` + `events`) and its
   * index keys. Nothing is read and nothing older is rewritten.
   * Throws `VersionConflictError` when another writer got there first, `TooManyEventsError`
   * beyond 99 events. No events: returns `read` without writing.
   *
   * @example
   * const result = await step(thread, deps);
   * const next = await store.append(thread, result.events, headAfter(result));
   */
  async append(read: Thread, events: readonly ThreadEvent[], head: ThreadHead): Promise<Thread> {
    if (events.length === 0) return read;
    if (events.length > MAX_APPEND_EVENTS) {
      throw new TooManyEventsError("append", events.length, MAX_APPEND_EVENTS);
    }
    const expected = read.events.length;
    const all = [...read.events, ...events];
    const last = events[events.length - 1] as ThreadEvent;
    // Objects first; one left by a lost race is an orphan the thread's delete removes.
    const prepared = events.map((event, offset) =>
      prepareData(read.id, expected + offset, event, this.payloads),
    );
    await writeObjects(this.payloads.payloads, prepared);
    const items = appendTransactItems({
      tableName: this.tableName,
      threadId: read.id,
      agent: read.agent,
      expected,
      events,
      head,
      expiresAt: this.expiresAt(last.at),
      stored: prepared.map((data) => data.stored),
      queued: read.queued?.length ?? 0,
    });
    try {
      await transactWrite(this.client, { TransactItems: items });
    } catch (error) {
      if (cancellationCodes(error)?.includes("ConditionalCheckFailed")) {
        throw new VersionConflictError(read.id, expected, { cause: error });
      }
      throw error;
    }
    const { queued: _delivered, ...rest } = read;
    return { ...rest, events: all };
  }

  /**
   * Keeps `message` in the thread's meta item (its `queued` list), without moving the version,
   * if the stored thread is still at the version of `read` with the messages `read.queued`
   * holds; else `VersionConflictError`. One `UpdateItem`; the next append removes the list.
   *
   * @example
   * const waiting = await store.queueMessage(thread, { message: "also staging", at });
   */
  async queueMessage(read: Thread, message: WaitingMessage): Promise<Thread> {
    const queued = read.queued ?? [];
    try {
      await this.client.send(
        new UpdateCommand(
          queueMessageUpdate({
            tableName: this.tableName,
            threadId: read.id,
            expected: read.events.length,
            queued: queued.length,
            message,
          }),
        ),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new VersionConflictError(read.id, read.events.length, { cause: error });
      }
      throw error;
    }
    return { ...read, queued: [...queued, message] };
  }

  /**
   * One page of the threads in `status` (of `agent`, if given), most recently updated first,
   * from an index (no scan). `next` is an opaque cursor for the following page; a cursor from
   * anywhere else throws `InvalidCursorError`. Listings are eventually consistent.
   *
   * @example
   * const page = await store.list({ status: "waiting_for_approval", limit: 20 });
   * if (page.next) await store.list({ status: "waiting_for_approval", cursor: page.next });
   */
  async list({ status, agent, limit = DEFAULT_LIMIT, cursor }: ListThreadsQuery) {
    if (status === undefined) {
      const { items, next } = await listAllStatuses(this.client, this.tableName, {
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
      TableName: this.tableName,
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
    const page = await this.client.send(new QueryCommand(query));
    const threads = (page.Items ?? []).map(summaryOf);
    return page.LastEvaluatedKey
      ? { threads, next: encodeCursor(page.LastEvaluatedKey) }
      : { threads };
  }

  /**
   * The events after version `after` (at most `limit`) and the thread's version, read
   * consistently without loading the rest of the thread: the meta item, then one query of the
   * event sort keys from `after`. `undefined` when the thread does not exist (or has expired).
   *
   * @example
   * const page = await store.readEvents(threadId, { after: 40, limit: 100 }); // events 41..140
   */
  async readEvents(
    threadId: string,
    { after, limit }: EventsQuery,
  ): Promise<EventsPage | undefined> {
    const pk = threadPk(threadId);
    for (let attempt = 1; ; attempt++) {
      const { Item: raw } = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk, sk: META_SK },
          ConsistentRead: true,
        }),
      );
      if (!raw) return undefined;
      // Validates the meta item (a `CorruptThreadError` if it is not one); its events come next.
      readThread(threadId, [raw]);
      const version = Number(raw.version);
      const upto = Math.min(after + limit, version);
      const waiting = readQueued(threadId, raw);
      const queued = waiting ? { queued: waiting } : {};
      if (upto <= after) return { events: [], version, ...queued };
      const items = await this.withPayloads(
        threadId,
        await this.queryAll({
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: {
            ":pk": pk,
            ":from": eventSk(after),
            ":to": eventSk(upto - 1),
          },
        }),
      );
      if (!items) return undefined;
      const bySk = new Map(items.map((item) => [String(item.sk), item]));
      const events = [];
      let missing: string | undefined;
      for (let index = after; index < upto; index++) {
        const sk = eventSk(index);
        const item = bySk.get(sk);
        if (!item) {
          missing = sk;
          break;
        }
        events.push(readEvent(threadId, sk, item));
      }
      if (missing === undefined) return { events, version, ...queued };
      // An expired thread being deleted (schema 1 events expire one by one): no thread.
      if (Number(raw.expiresAt) <= this.nowSeconds()) return undefined;
      // As in `load`: a query may not yet see the last events of an append that just committed.
      if (attempt >= LOAD_ATTEMPTS) {
        throw new CorruptThreadError(
          threadId,
          missing,
          `the item is missing though the thread is at version ${version}`,
        );
      }
      await sleep(25 * attempt);
    }
  }

  /**
   * Removes every item of the thread: its meta item, its launch's idempotency item and its
   * events, then its objects in the payload bucket (every key under its prefix, orphans of lost
   * appends too). `false` when there was no thread (any events and objects a crashed delete left
   * are removed then).
   *
   * The meta item goes first, with the idempotency item, in one transaction conditional on the
   * version read: from that moment the thread is gone for `load`, `list` and `readEvents`, an
   * append fails its version condition, and the key is free. The events follow in transactions
   * of at most 100 items. A crash in between leaves only event items nobody can reach (a retried
   * delete removes them; they carry no TTL). Meta last would instead leave a readable thread
   * with holes (a `CorruptThreadError`) that could still be appended to.
   *
   * @example
   * if (!(await store.delete(threadId))) throw new ThreadNotFoundError(threadId);
   */
  async delete(threadId: string): Promise<boolean> {
    const pk = threadPk(threadId);
    for (let attempt = 1; ; attempt++) {
      const items = await this.keysOf(threadId);
      const meta = items.find((item) => item.sk === META_SK);
      const events = items.filter((item) => String(item.sk).startsWith(EVENT_PREFIX));
      if (meta) {
        const key = typeof meta.idempotencyKey === "string" ? meta.idempotencyKey : undefined;
        try {
          await transactWrite(this.client, {
            TransactItems: [
              {
                Delete: {
                  TableName: this.tableName,
                  Key: { pk, sk: META_SK },
                  // An append that committed since our read added events we have not listed.
                  ConditionExpression: "#version = :version",
                  ExpressionAttributeNames: { "#version": "version" },
                  ExpressionAttributeValues: { ":version": meta.version },
                },
              },
              ...(key === undefined
                ? []
                : [
                    {
                      Delete: {
                        TableName: this.tableName,
                        Key: { pk: idempotencyPk(key), sk: IDEMPOTENCY_SK },
                      },
                    },
                  ]),
            ],
          });
        } catch (error) {
          const lost = cancellationCodes(error)?.[0] === "ConditionalCheckFailed";
          if (lost && attempt < CREATE_ATTEMPTS) continue;
          if (lost)
            throw new VersionConflictError(threadId, Number(meta.version), { cause: error });
          throw error;
        }
      }
      for (let from = 0; from < events.length; from += DELETE_BATCH) {
        await transactWrite(this.client, {
          TransactItems: events.slice(from, from + DELETE_BATCH).map((item) => ({
            Delete: { TableName: this.tableName, Key: { pk, sk: item.sk } },
          })),
        });
      }
      // The objects go last, once no item points to them (orphans of lost appends among them).
      await this.payloads.payloads?.deleteAll(payloadPrefix(threadId));
      return meta !== undefined;
    }
  }

  /**
   * A URL that serves the data of the event at `version` (1-based) straight from the payload
   * bucket for 15 minutes, when that event's data is stored there; `undefined` when it is held
   * in its item, or there is no such event. The HTTP API redirects to it (answers through Lambda
   * hold at most 6 MB).
   *
   * @example
   * const url = await store.dataLink(threadId, 4); // https://bucket.s3…/threads/…?X-Amz-…
   */
  async dataLink(threadId: string, version: number): Promise<string | undefined> {
    const { payloads } = this.payloads;
    if (!payloads || !(Number.isInteger(version) && version >= 1)) return undefined;
    const { Item: item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: threadPk(threadId), sk: eventSk(version - 1) },
        ProjectionExpression: "dataRef",
        ConsistentRead: true,
      }),
    );
    const key = (item?.dataRef as { key?: unknown } | undefined)?.key;
    return typeof key === "string" ? payloads.linkTo(key, DATA_LINK_SECONDS) : undefined;
  }

  /**
   * `items` with the data of their pointer items read back from the payload bucket;
   * `undefined` when an object is missing because the thread was deleted since the items were
   * read (a delete removes the meta item first and the objects last). An object missing from a
   * thread that still exists reads as `missingData` (`payloads.ts`): the thread stays usable.
   */
  private async withPayloads(threadId: string, items: Item[]): Promise<Item[] | undefined> {
    let missing = 0;
    const restored = await restorePayloads(items, this.payloads.payloads, () => {
      missing++;
    });
    if (missing === 0) return restored;
    const { Item: meta } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: threadPk(threadId), sk: META_SK },
        ProjectionExpression: "pk",
        ConsistentRead: true,
      }),
    );
    return meta ? restored : undefined;
  }

  /** The keys of every item of the thread (and the meta item's version and idempotency key). */
  private keysOf(threadId: string): Promise<Item[]> {
    return this.itemsOf(threadId, {
      ProjectionExpression: "pk, sk, #version, idempotencyKey",
      ExpressionAttributeNames: { "#version": "version" },
    });
  }

  /** Every item of the thread, all pages, in sort key order (events, then `META`). */
  private itemsOf(
    threadId: string,
    projection: Pick<QueryCommandInput, "ProjectionExpression" | "ExpressionAttributeNames"> = {},
  ): Promise<Item[]> {
    return this.queryAll({
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": threadPk(threadId) },
      ...projection,
    });
  }

  /** Every page of a consistent query of the table. */
  private async queryAll(
    query: Omit<QueryCommandInput, "TableName" | "ConsistentRead" | "ExclusiveStartKey">,
  ): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          ...query,
          TableName: this.tableName,
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** The thread an idempotency key created; `undefined` when the key is not held (any more). */
  private async threadOfKey(key: string, fingerprint?: string): Promise<Thread | undefined> {
    const { Item: item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: idempotencyPk(key), sk: IDEMPOTENCY_SK },
        ConsistentRead: true,
      }),
    );
    if (typeof item?.threadId !== "string") return undefined;
    // A key stored before fingerprints existed matches any request.
    if (typeof item.fingerprint === "string" && fingerprint !== undefined) {
      if (item.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError(key);
    }
    const thread = await this.load(item.threadId);
    if (thread) return thread;
    if (Number(item.expiresAt) <= this.nowSeconds()) {
      throw new TwelveError(
        `idempotency key ${key} belongs to thread ${item.threadId}, which has expired and is ` +
          "being deleted: use a new key",
      );
    }
    // Both were written in one transaction and expire together: this is damage, not a race.
    throw new CorruptThreadError(
      item.threadId,
      META_SK,
      `idempotency key ${key} names this thread, which does not exist`,
    );
  }

  /** When an item counted from the event at `at` expires, in epoch seconds (DynamoDB TTL). */
  private expiresAt(at: string): number {
    return Math.floor(Date.parse(at) / 1000) + this.retentionSeconds;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }
}
