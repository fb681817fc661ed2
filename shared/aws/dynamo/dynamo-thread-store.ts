import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ConfigError } from "../../core/errors.ts";
import type { ThreadEvent } from "../../core/events.ts";
import type {
  Clock,
  CreateThreadInput,
  EventsPage,
  EventsQuery,
  ListThreadsQuery,
  ThreadStore,
} from "../../core/ports.ts";
import type { Thread, ThreadHead, WaitingMessage } from "../../core/thread.ts";
import type { PayloadStore } from "../s3/payload-store.ts";
import { appendEvents, queueMessage } from "./append-events.ts";
import { createThread } from "./create-thread.ts";
import { dataLink } from "./data-link.ts";
import { deleteThread } from "./delete-thread.ts";
import { listThreads } from "./list-threads.ts";
import { loadThread, readEventsPage } from "./load-thread.ts";
import { DEFAULT_PAYLOAD_THRESHOLD_BYTES, MAX_PAYLOAD_THRESHOLD_BYTES } from "./payloads.ts";
import { DYNAMO_RETRY } from "./retries.ts";
import type { StoreTable } from "./store-table.ts";

export { MAX_APPEND_EVENTS } from "./append-events.ts";
export { MAX_CREATE_EVENTS } from "./create-thread.ts";

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

const DAY_SECONDS = 86_400;

const systemClock: Clock = { now: () => new Date() };

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
  private readonly table: StoreTable;

  constructor(options: DynamoThreadStoreOptions) {
    const retentionDays = options.retentionDays ?? 90;
    if (!(retentionDays > 0 && Number.isFinite(retentionDays))) {
      throw new ConfigError(
        `retentionDays must be a positive number of days, got ${retentionDays}`,
      );
    }
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
    this.tableName = options.tableName;
    this.table = {
      tableName: options.tableName,
      client:
        options.client ??
        DynamoDBDocumentClient.from(
          new DynamoDBClient({ ...DYNAMO_RETRY, ...options.clientConfig }),
        ),
      retentionSeconds: Math.round(retentionDays * DAY_SECONDS),
      clock: options.clock ?? systemClock,
      payloads: { payloads: options.payloads, thresholdBytes },
    };
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
  create(input: CreateThreadInput) {
    return createThread(this.table, input);
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
  load(threadId: string): Promise<Thread | undefined> {
    return loadThread(this.table, threadId);
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
  append(read: Thread, events: readonly ThreadEvent[], head: ThreadHead): Promise<Thread> {
    return appendEvents(this.table, read, events, head);
  }

  /**
   * Keeps `message` in the thread's meta item (its `queued` list), without moving the version,
   * if the stored thread is still at the version of `read` with the messages `read.queued`
   * holds; else `VersionConflictError`. One `UpdateItem`; the next append removes the list.
   *
   * @example
   * const waiting = await store.queueMessage(thread, { message: "also staging", at });
   */
  queueMessage(read: Thread, message: WaitingMessage): Promise<Thread> {
    return queueMessage(this.table, read, message);
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
  list(query: ListThreadsQuery) {
    return listThreads(this.table, query);
  }

  /**
   * The events after version `after` (at most `limit`) and the thread's version, read
   * consistently without loading the rest of the thread: the meta item, then one query of the
   * event sort keys from `after`. `undefined` when the thread does not exist (or has expired).
   *
   * @example
   * const page = await store.readEvents(threadId, { after: 40, limit: 100 }); // events 41..140
   */
  readEvents(threadId: string, query: EventsQuery): Promise<EventsPage | undefined> {
    return readEventsPage(this.table, threadId, query);
  }

  /**
   * Removes every item of the thread: its meta item, its launch's idempotency item and its
   * events, then its objects in the payload bucket (every key under its prefix, orphans of lost
   * appends too). `false` when there was no thread (any events and objects a crashed delete left
   * are removed then).
   *
   * The meta item goes first, so a crash in between leaves nothing readable (`delete-thread.ts`).
   *
   * @example
   * if (!(await store.delete(threadId))) throw new ThreadNotFoundError(threadId);
   */
  delete(threadId: string): Promise<boolean> {
    return deleteThread(this.table, threadId);
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
  dataLink(threadId: string, version: number): Promise<string | undefined> {
    return dataLink(this.table, threadId, version);
  }
}
