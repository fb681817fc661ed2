import { createHash } from "node:crypto";
import type { EventType, ThreadEvent } from "../../core/events.ts";
import type { PayloadStore } from "../s3/payload-store.ts";
import { EventTooLargeError } from "./errors.ts";
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
    const kept = keptFields(event.data);
    return {
      stored: { dataRef: { key, bytes, sha256, ...(kept ? { kept } : {}) } },
      object: { key, body: inline.dataJson },
    };
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
 * are. An object that is missing or holds other bytes (or a pointer this store cannot follow)
 * does not make the thread unreadable: its event reads as `missingData` says, and `onMissing`
 * hears of it.
 */
export async function restorePayloads(
  items: readonly Item[],
  payloads: PayloadStore | undefined,
  onMissing: (sk: string, reason: string) => void = () => {},
): Promise<Item[]> {
  const restored = [...items];
  const pointed = items.flatMap((item, at) => (item.dataRef === undefined ? [] : [at]));
  if (pointed.length === 0) return restored;
  await inBatches(pointed, async (at) => {
    const item = items[at] as Item;
    const { dataRef: _pointer, ...rest } = item;
    const read = await readObject(item.dataRef, payloads);
    if ("text" in read) {
      restored[at] = { ...rest, dataJson: read.text };
      return;
    }
    onMissing(String(item.sk), read.missing);
    restored[at] = { ...rest, dataJson: JSON.stringify(missingData(item, read.missing)) };
  });
  return restored;
}

/** The text of the object a pointer names, or why there is none to read. */
async function readObject(
  pointer: unknown,
  payloads: PayloadStore | undefined,
): Promise<{ text: string } | { missing: string }> {
  const ref = dataRefOf(pointer);
  if (!ref) return { missing: "its pointer (dataRef) is not {key, bytes, sha256}" };
  if (!payloads) {
    return {
      missing: `it is in the payload bucket under ${ref.key}, and this store has no payload bucket configured (PAYLOAD_BUCKET)`,
    };
  }
  const text = await payloads.get(ref.key);
  if (text === undefined) return { missing: `its object ${ref.key} does not exist` };
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes !== ref.bytes || sha256Of(text) !== ref.sha256) {
    return {
      missing:
        `its object ${ref.key} holds ${bytes} bytes that do not match the item's ` +
        `${ref.bytes} bytes and SHA-256 ${ref.sha256}`,
    };
  }
  return { text };
}

/** A top-level field of event data longer than this (as JSON) is not kept beside the pointer. */
const KEPT_FIELD_BYTES = 256;

/** The small top-level fields of `data` as JSON text, if there are any. */
function keptFields(data: unknown): string | undefined {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return undefined;
  const kept = Object.entries(data).filter(
    ([, value]) => Buffer.byteLength(JSON.stringify(value) ?? "", "utf8") <= KEPT_FIELD_BYTES,
  );
  return kept.length > 0 ? JSON.stringify(Object.fromEntries(kept)) : undefined;
}

/** Stands in for what identifies an event when its item kept nothing (items of older code). */
const UNKNOWN = "(unknown: the data is missing)";

/**
 * Per event type, data that passes its schema, every large field saying what is missing: text
 * fields hold the sentence, others `{ error }`. The fields the item kept are laid over it.
 */
const missingDataOf = {
  user_message: (error) => ({ message: error }),
  tool_call: (error) => ({ callId: UNKNOWN, tool: UNKNOWN, args: { error }, source: "model" }),
  tool_result: (error) => ({ callId: UNKNOWN, tool: UNKNOWN, result: { error } }),
  error: (error) => ({ code: "tool_failed", message: error }),
  approval_requested: (error) => ({
    callId: UNKNOWN,
    tool: UNKNOWN,
    args: { error },
    argsHash: UNKNOWN,
  }),
  approval_decision: (error) => ({ callId: UNKNOWN, approved: false, comment: error }),
  human_input_requested: (error) => ({
    callId: UNKNOWN,
    tool: UNKNOWN,
    args: { error },
    message: error,
    reason: "tool",
  }),
  human_response: (error) => ({ callId: UNKNOWN, response: error }),
  callback_requested: (error) => ({
    callId: UNKNOWN,
    tool: UNKNOWN,
    args: { error },
    tokenHash: UNKNOWN,
    expiresAt: "1970-01-01T00:00:00.000Z",
  }),
  callback_started: () => ({ callId: UNKNOWN }),
  tool_retry: (error) => ({
    callId: UNKNOWN,
    tool: UNKNOWN,
    attempt: 1,
    message: error,
    retryAt: "1970-01-01T00:00:00.000Z",
  }),
  done: (error) => ({ callId: UNKNOWN, output: error }),
  failed: (error) => ({ reason: error }),
  retry_requested: (error) => ({ reason: error }),
  cancelled: (error) => ({ reason: error }),
  child_requested: (error) => ({
    callId: UNKNOWN,
    tool: UNKNOWN,
    agent: UNKNOWN,
    message: error,
    depth: 1,
  }),
  compaction: (error) => ({
    from: 1,
    to: 1,
    method: "elide",
    summary: error,
    tokensBefore: 0,
    tokensAfter: 0,
  }),
  tool_set: (error) => ({ fingerprint: UNKNOWN, tools: { error } }),
} satisfies Record<EventType, (error: string) => Record<string, unknown>>;

/**
 * The data an event reads as when its object is lost: a readable event of its type whose large
 * fields say so (`{"error": "data missing: ..."}` for a tool's result, which is what the model
 * sees, the sentence for text), with the fields its item kept (`callId`, `tool`, ...), so the
 * thread's status, its pending call and a fork still derive from it.
 *
 * @example
 * missingData({ type: "tool_result", dataRef: { kept: '{"callId":"c1","tool":"fetch"}' } }, "its object k does not exist");
 * // { callId: "c1", tool: "fetch", result: { error: "data missing: its object k does not exist" } }
 */
export function missingData(item: Item, reason: string): Record<string, unknown> {
  const error = `data missing: ${reason}`;
  const type = String(item.type);
  const fill = Object.hasOwn(missingDataOf, type)
    ? missingDataOf[type as EventType](error)
    : { error };
  return { ...fill, ...keptOf(item.dataRef) };
}

function keptOf(pointer: unknown): Record<string, unknown> {
  const kept = (pointer as { kept?: unknown } | null | undefined)?.kept;
  if (typeof kept !== "string") return {};
  try {
    const value: unknown = JSON.parse(kept);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
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
