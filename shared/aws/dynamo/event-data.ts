import { NumberValue } from "@aws-sdk/lib-dynamodb";

/**
 * An event's `data` is stored as JSON text (`dataJson`), not as a native DynamoDB map. A map
 * comes back with its keys in DynamoDB's order, so a thread read back would render a different
 * context than the one its events were made with (breaking "same thread, same step" and prompt
 * caching); JSON text keeps the exact bytes. It also holds what a map cannot: numbers beyond
 * ±2^53 or outside 1e-130..1e125, empty keys, nesting deeper than 32 levels.
 */

/**
 * The attributes that hold an event's data (`data` is read too, for items written as maps):
 * its JSON text, or a pointer to the object in the payload bucket that holds it (`payloads.ts`).
 */
export type StoredData = { dataJson: string } | { dataRef: DataRef };

/** Where an event's data is when it is too large for its item: the object and its checks. */
export interface DataRef {
  /** The object's key in the payload bucket (bucket-relative: `threads/<id>/…`). */
  key: string;
  /** The length of its JSON text in UTF-8 bytes. */
  bytes: number;
  /** The SHA-256 of that text, in hex. */
  sha256: string;
  /**
   * The data's small top-level fields (`callId`, `tool`, ...) as JSON text, so an event whose
   * object is lost still says which call it was (`missingData` in `payloads.ts`). Items written
   * before it was kept have none.
   */
  kept?: string;
}

/** `data` as JSON text, exactly as it will be parsed back. */
export function toStoredData(data: unknown): { dataJson: string } {
  return { dataJson: JSON.stringify(data) ?? "null" };
}

/** The event's data back from an item, in either form; throws on unreadable JSON text. */
export function fromStoredData(item: Record<string, unknown>): unknown {
  return typeof item.dataJson === "string" ? JSON.parse(item.dataJson) : item.data;
}

/**
 * `value` with plain numbers where an injected document client configured with `wrapNumbers`
 * returns `NumberValue` (or BigInt): the store only writes numbers that fit a double.
 */
export function plainNumbers(value: unknown): unknown {
  if (value instanceof NumberValue) return Number(value.value);
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(plainNumbers);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainNumbers(v)]));
  }
  return value;
}
