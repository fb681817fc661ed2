import { InvalidCursorError } from "../../core/errors.ts";

/** A DynamoDB `LastEvaluatedKey` of an index query: the table keys and the index keys. */
export type IndexKey = Record<string, string>;

/**
 * DynamoDB's limits on a key attribute's value, in UTF-8 bytes: a partition key holds 1 to 2048
 * bytes, a sort key 1 to 1024 (Amazon DynamoDB Developer Guide, "Constraints", section
 * "Partition keys and sort keys":
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html#limits-partition-sort-keys).
 * The same limits hold for the key attributes of a secondary index. A value outside them makes
 * DynamoDB answer `ValidationException`, which would surface as a 500.
 */
export const KEY_BYTES = { partition: { min: 1, max: 2048 }, sort: { min: 1, max: 1024 } } as const;

/** An opaque `list` cursor: base64url of the `LastEvaluatedKey` JSON. */
export const encodeCursor = (key: Record<string, unknown>): string =>
  Buffer.from(JSON.stringify(key)).toString("base64url");

const invalid = (reason: string, cause?: unknown): InvalidCursorError =>
  new InvalidCursorError(
    `invalid cursor (${reason}): pass the \`next\` value of an earlier page`,
    cause === undefined ? undefined : { cause },
  );

/**
 * The `ExclusiveStartKey` a cursor stands for. It must decode to exactly the key attributes of
 * the index being queried, each a string DynamoDB takes as a key value (`KEY_BYTES`), and belong
 * to the same listing (`check`), so DynamoDB never sees a key from elsewhere; anything else
 * throws `InvalidCursorError`.
 *
 * `attributes` lists the keys in pairs, partition key then sort key (the table's, then the
 * index's), which is the order a `LastEvaluatedKey` is described in; a trailing unpaired name
 * is a partition key.
 *
 * @example
 * decodeCursor(page.next, ["pk", "sk", "gsi1pk", "gsi1sk"], (key) =>
 *   key.gsi1pk === "STATUS#done" ? undefined : "it belongs to another listing");
 */
export function decodeCursor(
  cursor: string,
  attributes: readonly string[],
  check: (key: IndexKey) => string | undefined,
): IndexKey {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalid("not base64url text");
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch (cause) {
    throw invalid("not a cursor this store handed out", cause);
  }
  if (decoded === null || typeof decoded !== "object" || Array.isArray(decoded)) {
    throw invalid("not a cursor this store handed out");
  }
  const record = decoded as Record<string, unknown>;
  const entries = Object.keys(record);
  const wellFormed =
    entries.length === attributes.length &&
    attributes.every((name) => Object.hasOwn(record, name) && typeof record[name] === "string");
  if (!wellFormed) {
    throw invalid("not a cursor this store handed out");
  }
  for (const [i, name] of attributes.entries()) {
    const limits = i % 2 === 0 ? KEY_BYTES.partition : KEY_BYTES.sort;
    const value = record[name] as string;
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes < limits.min || bytes > limits.max) {
      throw invalid(`key ${name} must hold ${limits.min} to ${limits.max} bytes`);
    }
    // A lone surrogate has no UTF-8 form: DynamoDB would refuse the key.
    if (/\p{Cs}/u.test(value)) throw invalid(`key ${name} is not valid Unicode text`);
  }
  const key = decoded as IndexKey;
  const mismatch = check(key);
  if (mismatch) throw invalid(mismatch);
  return key;
}
