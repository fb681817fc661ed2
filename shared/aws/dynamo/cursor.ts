import { InvalidCursorError } from "../../core/errors.ts";

/** A DynamoDB `LastEvaluatedKey` of an index query: the table keys and the index keys. */
export type IndexKey = Record<string, string>;

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
 * the index being queried, and belong to the same listing (`check`), so DynamoDB never sees a key
 * from elsewhere; anything else throws `InvalidCursorError`.
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
  const entries = Object.entries(decoded);
  const wellFormed =
    entries.length === attributes.length &&
    attributes.every((name) => typeof (decoded as Record<string, unknown>)[name] === "string");
  if (!wellFormed) {
    throw invalid("not a cursor this store handed out");
  }
  const key = decoded as IndexKey;
  const mismatch = check(key);
  if (mismatch) throw invalid(mismatch);
  return key;
}
