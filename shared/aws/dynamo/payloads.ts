import { createHash } from "node:crypto";
import type { ThreadEvent } from "../../core/events.ts";
import type { PayloadStore } from "../s3/payload-store.ts";
import { CorruptThreadError, EventTooLargeError } from "./errors.ts";
import { type DataRef, plainNumbers, type StoredData, toStoredData } from "./event-data.ts";
import type { Item } from "./items.ts";
import { eventSk } from "./keys.ts";

/**
 * Event data too large for an item goes to S3 (a `PayloadStore`): the item keeps a pointer,
 * `dataRef` (the object's bucket-relative key, its length in bytes and its SHA-256), in place of
 * `dataJson`, and a read puts the object's text back before the event is validated. The object is
 * written before the transaction that writes its item, so no committed item points to an object
 * that was never written. An append that loses its version race leaves its object behind: an
 * orphan under the thread's prefix, which the thread's delete (and the bucket's lifecycle
 * backstop) removes. Keys hold the data's hash, so a loser never overwrites a winner's object at
 * the same index, and writing the same event again writes the same bytes.
 */

/** Data whose JSON text is longer than this goes to S3 by default: 32 KB. */
export const DEFAULT_PAYLOAD_THRESHOLD_BYTES = 32 * 1024;

/**
 * The largest threshold a store takes. DynamoDB holds 400 KB per item and 4 MB per transaction:
 * at 32 KB an append of 99 events stays near 3.2 MB; the threshold is kept below an item's size,
 * with room for the item's other attributes.
 */
export const MAX_PAYLOAD_THRESHOLD_BYTES = 350_000;

/**
 * The most an event item may hold, as this store counts it (the item as JSON text, which counts
 * every name and value and more): DynamoDB's 400 KB item limit.
 */
export const MAX_ITEM_BYTES = 400 * 1024;
const ITEM_KEYS_BYTES = 512;

/** Where the objects of a thread live: one prefix per thread, so a delete lists them all. */
export const payloadPrefix = (threadId: string): string =>
  `threads/${encodeURIComponent(threadId)}/`;

/** The key of the object holding the data of the event at `index`, whose text hashes to `sha256`. */
export const payloadKey = (threadId: string, index: number, sha256: string): string =>
  `${payloadPrefix(threadId)}${eventSk(index).replace("#", "-")}-${sha256}.json`;

const sha256Of = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

/** How the store decides, per event, between the item and S3. */
export interface PayloadPolicy {
  /** Where large data goes; without one every event must fit its item. */
  payloads: PayloadStore | undefined;
  /** Data whose JSON text is longer than this (in UTF-8 bytes) goes to `payloads`. */
  thresholdBytes: number;
}

/** An event's data as its item will hold it, and the object to write first, if any. */
export interface PreparedData {
  stored: StoredData;
  object?: { key: string; body: string };
}

/**
 * The stored form of the data of the event at `index`: inline `dataJson`, or a `dataRef` and the
 * object it names when the text passes the threshold and a payload store is configured. Without
 * one, an event whose item would pass DynamoDB's 400 KB is an `EventTooLargeError`, thrown before
 * anything is written.
 */
export function prepareData(
  threadId: string,
  index: number,
  event: ThreadEvent,
  policy: PayloadPolicy,
): PreparedData {
  const inline = toStoredData(event.data);
  const bytes = Buffer.byteLength(inline.dataJson, "utf8");
  if (bytes > policy.thresholdBytes && policy.payloads) {
    const sha256 = sha256Of(inline.dataJson);
    const key = payloadKey(threadId, index, sha256);
    return { stored: { dataRef: { key, bytes, sha256 } }, object: { key, body: inline.dataJson } };
  }
  // DynamoDB counts a string's UTF-8 bytes (`bytes`, not escaped again) and each name; the rest
  // of the event as JSON over-counts it, and the keys and schema version get room to spare.
  const itemBytes =
    bytes + Buffer.byteLength(JSON.stringify({ ...event, data: undefined })) + ITEM_KEYS_BYTES;
  if (itemBytes > MAX_ITEM_BYTES) {
    throw new EventTooLargeError(threadId, index, event.type, itemBytes, MAX_ITEM_BYTES);
  }
  return { stored: inline };
}

/** How many objects a read fetches, or a write puts, at once. */
const CONCURRENCY = 8;

/**
 * Writes the objects of `prepared` (before their items' transaction), a few at a time.
 *
 * @example
 * await writeObjects(payloads, events.map((event, i) => prepareData(id, at + i, event, policy)));
 */
export async function writeObjects(
  payloads: PayloadStore | undefined,
  prepared: readonly PreparedData[],
): Promise<void> {
  const objects = prepared.flatMap((data) => (data.object ? [data.object] : []));
  if (!payloads || objects.length === 0) return;
  await inBatches(objects, (object) => payloads.put(object.key, object.body));
}

/**
 * `items` with the data of every item that holds a `dataRef` read back from `payloads` into
 * `dataJson`, checked against the pointer's length and hash; other items are returned as they
 * are. Throws `CorruptThreadError` naming the item for a missing or different object, an
 * unreadable pointer, or a pointer when no payload store is configured.
 */
export async function restorePayloads(
  threadId: string,
  items: readonly Item[],
  payloads: PayloadStore | undefined,
): Promise<Item[]> {
  const restored = [...items];
  const pointed = items.flatMap((item, at) => (item.dataRef === undefined ? [] : [at]));
  if (pointed.length === 0) return restored;
  await inBatches(pointed, async (at) => {
    const item = items[at] as Item;
    const sk = String(item.sk);
    const ref = dataRefOf(item.dataRef);
    if (!ref) {
      throw new CorruptThreadError(threadId, sk, "dataRef is not {key, bytes, sha256}");
    }
    if (!payloads) {
      throw new CorruptThreadError(
        threadId,
        sk,
        `its data is in the payload bucket under ${ref.key}, and this store has no payload ` +
          "bucket configured (PAYLOAD_BUCKET)",
      );
    }
    const text = await payloads.get(ref.key);
    if (text === undefined) {
      throw new CorruptThreadError(threadId, sk, `its data object ${ref.key} does not exist`);
    }
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes !== ref.bytes || sha256Of(text) !== ref.sha256) {
      throw new CorruptThreadError(
        threadId,
        sk,
        `its data object ${ref.key} holds ${bytes} bytes that do not match the item's ` +
          `${ref.bytes} bytes and SHA-256 ${ref.sha256}`,
      );
    }
    const { dataRef: _pointer, ...rest } = item;
    restored[at] = { ...rest, dataJson: text };
  });
  return restored;
}

function dataRefOf(value: unknown): DataRef | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const { key, bytes, sha256 } = value as Record<string, unknown>;
  const size = Number(plainNumbers(bytes));
  if (typeof key !== "string" || typeof sha256 !== "string" || !Number.isInteger(size)) {
    return undefined;
  }
  return { key, bytes: size, sha256 };
}

async function inBatches<T>(values: readonly T[], run: (value: T) => Promise<void>) {
  for (let start = 0; start < values.length; start += CONCURRENCY) {
    await Promise.all(values.slice(start, start + CONCURRENCY).map(run));
  }
}
