import { NumberValue } from "@aws-sdk/lib-dynamodb";

/**
 * An event's `data` is stored as a native DynamoDB map, which keeps items small and readable in
 * the console. Some JSON does not fit DynamoDB's types, and a thread must never get stuck because a
 * tool returned it: numbers beyond ±2^53 (the document client refuses them, and would read them
 * back as BigInt), numbers smaller than 1e-130 or larger than 1e125 (DynamoDB's range), empty
 * object keys (empty attribute names) and nesting deeper than 32 levels. Such data is stored as
 * JSON text in `dataJson` instead.
 */

/** The deepest map or list DynamoDB accepts as an attribute value, counting `data` itself. */
const MAX_DEPTH = 31;
const MIN_MAGNITUDE = 1e-130;

/** The attributes that hold an event's data: exactly one of the two. */
export type StoredData = { data: unknown } | { dataJson: string };

/** `data` as JSON sees it (no `undefined`, no class instances), in the form DynamoDB can hold. */
export function toStoredData(data: unknown): StoredData {
  const json = JSON.stringify(data) ?? "null";
  const plain: unknown = JSON.parse(json);
  return fitsNatively(plain, 1) ? { data: plain } : { dataJson: json };
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

function fitsNatively(value: unknown, depth: number): boolean {
  if (typeof value === "number") {
    const magnitude = Math.abs(value);
    return magnitude <= Number.MAX_SAFE_INTEGER && (magnitude === 0 || magnitude >= MIN_MAGNITUDE);
  }
  if (Array.isArray(value)) {
    return depth <= MAX_DEPTH && value.every((item) => fitsNatively(item, depth + 1));
  }
  if (value !== null && typeof value === "object") {
    return (
      depth <= MAX_DEPTH &&
      Object.entries(value).every(([key, item]) => key !== "" && fitsNatively(item, depth + 1))
    );
  }
  return true;
}
